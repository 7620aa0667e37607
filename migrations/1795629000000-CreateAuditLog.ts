import { MigrationInterface, QueryRunner } from 'typeorm';

const GENESIS = '0'.repeat(64);

export class CreateAuditLog1795629000000 implements MigrationInterface {
  name = 'CreateAuditLog1795629000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "audit_events" (
        "seq" bigint NOT NULL,
        "occurred_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL,
        "actor_type" character varying(16) NOT NULL,
        "actor_id" uuid,
        "actor_name" character varying(200) NOT NULL,
        "action" character varying(64) NOT NULL,
        "tenant_id" uuid,
        "target_type" character varying(32),
        "target_id" character varying(128),
        "outcome" character varying(16) NOT NULL,
        "request_id" character varying(128),
        "caller_ip" character varying(64),
        "details" jsonb NOT NULL DEFAULT '{}',
        "prev_hash" character(64) NOT NULL,
        "hash" character(64) NOT NULL,
        CONSTRAINT "pk_audit_events" PRIMARY KEY ("seq")
      )`);
    await queryRunner.query(`CREATE INDEX "ix_audit_events_tenant_id_seq" ON "audit_events" ("tenant_id", "seq")`);
    await queryRunner.query(`CREATE INDEX "ix_audit_events_action_seq" ON "audit_events" ("action", "seq")`);
    await queryRunner.query(`CREATE INDEX "ix_audit_events_actor_id_seq" ON "audit_events" ("actor_id", "seq")`);
    await queryRunner.query(`CREATE INDEX "ix_audit_events_occurred_at" ON "audit_events" ("occurred_at")`);

    // One row: the head (last event) that appenders lock to take the next seq in order, and
    // the anchor the chain starts from (genesis, or the last event removed by a purge).
    await queryRunner.query(`
      CREATE TABLE "audit_chain" (
        "id" smallint NOT NULL,
        "head_seq" bigint NOT NULL,
        "head_hash" character(64) NOT NULL,
        "anchor_seq" bigint NOT NULL,
        "anchor_hash" character(64) NOT NULL,
        "anchored_at" TIMESTAMP(3) WITH TIME ZONE,
        CONSTRAINT "pk_audit_chain" PRIMARY KEY ("id"),
        CONSTRAINT "ck_audit_chain_single_row" CHECK ("id" = 1)
      )`);
    await queryRunner.query(`INSERT INTO "audit_chain" VALUES (1, 0, '${GENESIS}', 0, '${GENESIS}', NULL)`);

    // Append-only: UPDATE, DELETE and TRUNCATE are refused, except the DELETE of a retention
    // purge, which runs with the transaction-local setting audit.purge = 'on'.
    await queryRunner.query(`
      CREATE FUNCTION "audit_events_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' AND current_setting('audit.purge', true) = 'on' THEN
          RETURN OLD;
        END IF;
        RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER "audit_events_append_only" BEFORE UPDATE OR DELETE ON "audit_events"
      FOR EACH ROW EXECUTE FUNCTION "audit_events_append_only"()`);
    await queryRunner.query(`
      CREATE TRIGGER "audit_events_no_truncate" BEFORE TRUNCATE ON "audit_events"
      FOR EACH STATEMENT EXECUTE FUNCTION "audit_events_append_only"()`);

    // The head only moves forward; the anchor moves only in a purge; the row never goes.
    await queryRunner.query(`
      CREATE FUNCTION "audit_chain_guard"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP <> 'UPDATE' THEN
          RAISE EXCEPTION 'audit_chain: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF NEW.head_seq < OLD.head_seq THEN
          RAISE EXCEPTION 'audit_chain: the head cannot move back' USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF (NEW.anchor_seq, NEW.anchor_hash) IS DISTINCT FROM (OLD.anchor_seq, OLD.anchor_hash)
           AND coalesce(current_setting('audit.purge', true), '') <> 'on' THEN
          RAISE EXCEPTION 'audit_chain: the anchor moves only in a purge' USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER "audit_chain_guard" BEFORE UPDATE OR DELETE ON "audit_chain"
      FOR EACH ROW EXECUTE FUNCTION "audit_chain_guard"()`);
    await queryRunner.query(`
      CREATE TRIGGER "audit_chain_no_truncate" BEFORE TRUNCATE ON "audit_chain"
      FOR EACH STATEMENT EXECUTE FUNCTION "audit_chain_guard"()`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "audit_chain"`);
    await queryRunner.query(`DROP FUNCTION "audit_chain_guard"()`);
    await queryRunner.query(`DROP TABLE "audit_events"`);
    await queryRunner.query(`DROP FUNCTION "audit_events_append_only"()`);
  }
}
