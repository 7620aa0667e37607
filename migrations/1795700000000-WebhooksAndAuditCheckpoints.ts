import { MigrationInterface, QueryRunner } from 'typeorm';

export class WebhooksAndAuditCheckpoints1795700000000 implements MigrationInterface {
  name = 'WebhooksAndAuditCheckpoints1795700000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Since when MyInvois has refused the credential: set by the refusal, kept across new secrets, cleared by the next token.
    await queryRunner.query(`ALTER TABLE "credentials" ADD "refused_since" TIMESTAMP(3) WITH TIME ZONE`);

    // Receivers of webhooks; the signing secrets sealed by the vault like a credential's.
    await queryRunner.query(`
      CREATE TABLE "webhook_endpoints" (
        "id" uuid NOT NULL,
        "url" character varying(2048) NOT NULL,
        "description" character varying(500),
        "event_types" character varying(64) array,
        "enabled" boolean NOT NULL DEFAULT true,
        "disabled_reason" character varying(200),
        "secret" bytea NOT NULL,
        "previous_secret" bytea,
        "previous_secret_until" TIMESTAMP(3) WITH TIME ZONE,
        "data_key_wrapped" bytea NOT NULL,
        "key_version" character varying(32) NOT NULL,
        "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "pk_webhook_endpoints" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "ix_webhook_endpoints_key_version" ON "webhook_endpoints" ("key_version")`);

    // The outbox: one row per event, written in the transaction of the audit event that caused it.
    await queryRunner.query(`
      CREATE TABLE "webhook_events" (
        "id" uuid NOT NULL,
        "type" character varying(64) NOT NULL,
        "occurred_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL,
        "audit_seq" bigint,
        "payload" jsonb NOT NULL,
        CONSTRAINT "pk_webhook_events" PRIMARY KEY ("id"))`);

    // One row per event and endpoint; seq orders an endpoint's deliveries.
    await queryRunner.query(`
      CREATE TABLE "webhook_deliveries" (
        "id" uuid NOT NULL,
        "seq" bigserial NOT NULL,
        "endpoint_id" uuid NOT NULL,
        "event_id" uuid NOT NULL,
        "status" character varying(16) NOT NULL DEFAULT 'pending',
        "attempts" integer NOT NULL DEFAULT 0,
        "next_attempt_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
        "last_attempt_at" TIMESTAMP(3) WITH TIME ZONE,
        "last_status" smallint,
        "last_response" character varying(1024),
        "last_error" character varying(500),
        "delivered_at" TIMESTAMP(3) WITH TIME ZONE,
        "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "pk_webhook_deliveries" PRIMARY KEY ("id"),
        CONSTRAINT "ck_webhook_deliveries_status" CHECK ("status" IN ('pending', 'delivered', 'failed')),
        CONSTRAINT "fk_webhook_deliveries_endpoint" FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoints"("id") ON DELETE CASCADE,
        CONSTRAINT "fk_webhook_deliveries_event" FOREIGN KEY ("event_id") REFERENCES "webhook_events"("id") ON DELETE CASCADE)`);
    await queryRunner.query(`CREATE INDEX "ix_webhook_deliveries_endpoint_seq" ON "webhook_deliveries" ("endpoint_id", "seq")`);
    await queryRunner.query(`CREATE INDEX "ix_webhook_deliveries_pending" ON "webhook_deliveries" ("endpoint_id", "seq") WHERE "status" = 'pending'`);

    // The budget forecast last notified per credential, so that only a change is sent.
    await queryRunner.query(`
      CREATE TABLE "budget_risk_states" (
        "credential_id" uuid NOT NULL,
        "tokens_at_risk" integer NOT NULL,
        "changed_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "pk_budget_risk_states" PRIMARY KEY ("credential_id"))`);

    // Signed heads of the audit chain, also sent outside the database.
    await queryRunner.query(`
      CREATE TABLE "audit_checkpoints" (
        "id" bigserial NOT NULL,
        "head_seq" bigint NOT NULL,
        "head_hash" character(64) NOT NULL,
        "anchor_seq" bigint NOT NULL,
        "signed_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL,
        "kid" character varying(64) NOT NULL,
        "jws" text NOT NULL,
        CONSTRAINT "pk_audit_checkpoints" PRIMARY KEY ("id"))`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['audit_checkpoints', 'budget_risk_states', 'webhook_deliveries', 'webhook_events', 'webhook_endpoints']) {
      await queryRunner.query(`DROP TABLE "${table}"`);
    }
    await queryRunner.query(`ALTER TABLE "credentials" DROP COLUMN "refused_since"`);
  }
}
