import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateVault1795629655783 implements MigrationInterface {
  name = 'CreateVault1795629655783';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "credentials" (
        "id" uuid NOT NULL,
        "kind" character varying(16) NOT NULL,
        "environment" character varying(16) NOT NULL,
        "client_id" character varying(128) NOT NULL,
        "label" character varying(200),
        "primary_secret" bytea NOT NULL,
        "secondary_secret" bytea,
        "data_key_wrapped" bytea NOT NULL,
        "key_version" character varying(32) NOT NULL,
        "secret_expires_at" TIMESTAMP(3) WITH TIME ZONE,
        "login_rate_per_minute" integer NOT NULL DEFAULT 12,
        "status" character varying(16) NOT NULL DEFAULT 'unverified',
        "last_error_code" character varying(64),
        "last_error_description" character varying(500),
        "preferred_secret" smallint NOT NULL DEFAULT 1,
        "secrets_version" integer NOT NULL DEFAULT 1,
        "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "pk_credentials" PRIMARY KEY ("id"),
        CONSTRAINT "ck_credentials_kind" CHECK ("kind" IN ('taxpayer', 'intermediary')),
        CONSTRAINT "ck_credentials_environment" CHECK ("environment" IN ('sandbox', 'production')),
        CONSTRAINT "ck_credentials_status" CHECK ("status" IN ('unverified', 'valid', 'invalid')),
        CONSTRAINT "ck_credentials_login_rate" CHECK ("login_rate_per_minute" BETWEEN 1 AND 1000)
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_credentials_environment_client_id" ON "credentials" ("environment", "client_id")`);
    await queryRunner.query(`CREATE INDEX "ix_credentials_created_at_id" ON "credentials" ("created_at", "id")`);
    // Re-wrap finds the data keys still under an old master key through this index.
    await queryRunner.query(`CREATE INDEX "ix_credentials_key_version" ON "credentials" ("key_version")`);

    await queryRunner.query(`
      CREATE TABLE "vault_keys" (
        "version" character varying(32) NOT NULL,
        "check_value" character(64) NOT NULL,
        "first_seen_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "pk_vault_keys" PRIMARY KEY ("version")
      )`);

    await queryRunner.query(`ALTER TABLE "tenants" ADD "credential_id" uuid`);
    await queryRunner.query(`ALTER TABLE "tenants" ADD "on_behalf_of_format" character varying(8) NOT NULL DEFAULT 'tin'`);
    await queryRunner.query(`ALTER TABLE "tenants" ADD "on_behalf_of" character varying(40)`);
    await queryRunner.query(`ALTER TABLE "tenants" ADD CONSTRAINT "ck_tenants_on_behalf_of_format" CHECK ("on_behalf_of_format" IN ('tin', 'tin_brn'))`);
    // A credential in use cannot disappear under its tenants (the service also says which ones).
    await queryRunner.query(
      `ALTER TABLE "tenants" ADD CONSTRAINT "fk_tenants_credential" FOREIGN KEY ("credential_id") REFERENCES "credentials"("id") ON DELETE RESTRICT`,
    );
    await queryRunner.query(`CREATE INDEX "ix_tenants_credential_id" ON "tenants" ("credential_id")`);

    // The broker's own token-signing keys, sealed by the vault like credential secrets.
    await queryRunner.query(`
      CREATE TABLE "signing_keys" (
        "kid" character varying(64) NOT NULL,
        "private_key" bytea NOT NULL,
        "data_key_wrapped" bytea NOT NULL,
        "key_version" character varying(32) NOT NULL,
        "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
        "retired_at" TIMESTAMP(3) WITH TIME ZONE,
        CONSTRAINT "pk_signing_keys" PRIMARY KEY ("kid")
      )`);
    await queryRunner.query(`CREATE INDEX "ix_signing_keys_key_version" ON "signing_keys" ("key_version")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "signing_keys"`);
    await queryRunner.query(`ALTER TABLE "tenants" DROP CONSTRAINT "fk_tenants_credential"`);
    await queryRunner.query(`DROP INDEX "ix_tenants_credential_id"`);
    await queryRunner.query(`ALTER TABLE "tenants" DROP CONSTRAINT "ck_tenants_on_behalf_of_format"`);
    await queryRunner.query(`ALTER TABLE "tenants" DROP COLUMN "on_behalf_of"`);
    await queryRunner.query(`ALTER TABLE "tenants" DROP COLUMN "on_behalf_of_format"`);
    await queryRunner.query(`ALTER TABLE "tenants" DROP COLUMN "credential_id"`);
    await queryRunner.query(`DROP TABLE "vault_keys"`);
    await queryRunner.query(`DROP TABLE "credentials"`);
  }
}
