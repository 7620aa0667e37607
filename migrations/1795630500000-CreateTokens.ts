import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateTokens1795630500000 implements MigrationInterface {
  name = 'CreateTokens1795630500000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // One row per token key; the token itself sealed under its credential's data key.
    await queryRunner.query(`
      CREATE TABLE "tokens" (
        "credential_id" uuid NOT NULL,
        "on_behalf_of" character varying(40) NOT NULL DEFAULT '',
        "scope" character varying(64) NOT NULL DEFAULT '',
        "tenant_id" uuid,
        "access_token" bytea,
        "fingerprint" character(32),
        "expires_at" TIMESTAMP(3) WITH TIME ZONE,
        "acquired_at" TIMESTAMP(3) WITH TIME ZONE,
        "lifetime_seconds" integer,
        "last_used_at" TIMESTAMP(3) WITH TIME ZONE,
        "lease_owner" character varying(64),
        "lease_until" TIMESTAMP(3) WITH TIME ZONE,
        "failures" integer NOT NULL DEFAULT 0,
        "next_attempt_at" TIMESTAMP(3) WITH TIME ZONE,
        "last_error_code" character varying(64),
        "last_error_at" TIMESTAMP(3) WITH TIME ZONE,
        "refresh_due_at" TIMESTAMP(3) WITH TIME ZONE,
        "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "pk_tokens" PRIMARY KEY ("credential_id", "on_behalf_of", "scope"),
        CONSTRAINT "fk_tokens_credential" FOREIGN KEY ("credential_id") REFERENCES "credentials"("id") ON DELETE CASCADE
      )`);
    await queryRunner.query(`CREATE INDEX "ix_tokens_tenant_id" ON "tokens" ("tenant_id")`);
    await queryRunner.query(`CREATE INDEX "ix_tokens_refresh_due_at" ON "tokens" ("refresh_due_at")`);

    // First exposure of a token to a caller, so "token.issued" is written once across replicas.
    await queryRunner.query(`
      CREATE TABLE "token_exposures" (
        "principal_id" uuid NOT NULL,
        "fingerprint" character(32) NOT NULL,
        "first_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "pk_token_exposures" PRIMARY KEY ("principal_id", "fingerprint")
      )`);
    await queryRunner.query(`CREATE INDEX "ix_token_exposures_first_at" ON "token_exposures" ("first_at")`);

    // The login budget per credential (client ID), shared by every replica.
    await queryRunner.query(`
      CREATE TABLE "login_budgets" (
        "credential_id" uuid NOT NULL,
        "paused_until" TIMESTAMP(3) WITH TIME ZONE,
        "demand_until" TIMESTAMP(3) WITH TIME ZONE,
        CONSTRAINT "pk_login_budgets" PRIMARY KEY ("credential_id"),
        CONSTRAINT "fk_login_budgets_credential" FOREIGN KEY ("credential_id") REFERENCES "credentials"("id") ON DELETE CASCADE
      )`);
    await queryRunner.query(`
      CREATE TABLE "upstream_logins" (
        "credential_id" uuid NOT NULL,
        "at" TIMESTAMP(3) WITH TIME ZONE NOT NULL,
        "purpose" character varying(16) NOT NULL,
        CONSTRAINT "fk_upstream_logins_credential" FOREIGN KEY ("credential_id") REFERENCES "credentials"("id") ON DELETE CASCADE
      )`);
    await queryRunner.query(`CREATE INDEX "ix_upstream_logins_credential_at" ON "upstream_logins" ("credential_id", "at")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "upstream_logins"`);
    await queryRunner.query(`DROP TABLE "login_budgets"`);
    await queryRunner.query(`DROP TABLE "token_exposures"`);
    await queryRunner.query(`DROP TABLE "tokens"`);
  }
}
