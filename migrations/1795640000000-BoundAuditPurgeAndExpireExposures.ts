import { MigrationInterface, QueryRunner } from 'typeorm';

export class BoundAuditPurgeAndExpireExposures1795640000000 implements MigrationInterface {
  name = 'BoundAuditPurgeAndExpireExposures1795640000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // A purge first moves the anchor, then deletes what lies at or before it. So the DELETE of a
    // purge may remove only events already cut off from the chain, never one the chain still
    // holds, even in a session that sets audit.purge.
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION "audit_events_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          IF current_setting('audit.purge', true) = 'on' AND OLD.seq <= (SELECT anchor_seq FROM audit_chain WHERE id = 1) THEN
            RETURN OLD;
          END IF;
        END IF;
        RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);

    // The anchor moves only in a purge, only forward, never past the head, and only onto an
    // event of the chain (its hash), so that what remains always verifies from the anchor.
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION "audit_chain_guard"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP <> 'UPDATE' THEN
          RAISE EXCEPTION 'audit_chain: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF NEW.head_seq < OLD.head_seq THEN
          RAISE EXCEPTION 'audit_chain: the head cannot move back' USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF (NEW.anchor_seq, NEW.anchor_hash) IS DISTINCT FROM (OLD.anchor_seq, OLD.anchor_hash) THEN
          IF coalesce(current_setting('audit.purge', true), '') <> 'on' THEN
            RAISE EXCEPTION 'audit_chain: the anchor moves only in a purge' USING ERRCODE = 'insufficient_privilege';
          END IF;
          IF NEW.anchor_seq <= OLD.anchor_seq OR NEW.anchor_seq > NEW.head_seq THEN
            RAISE EXCEPTION 'audit_chain: the anchor moves only forward, and not past the head' USING ERRCODE = 'insufficient_privilege';
          END IF;
          IF NEW.anchor_hash IS DISTINCT FROM (SELECT hash FROM audit_events WHERE seq = NEW.anchor_seq) THEN
            RAISE EXCEPTION 'audit_chain: the anchor must be the hash of the event at anchor_seq' USING ERRCODE = 'insufficient_privilege';
          END IF;
        END IF;
        RETURN NEW;
      END $$`);

    // When the exposed token expires: the row is pruned then (NULL: a day after first_at).
    await queryRunner.query(`ALTER TABLE "token_exposures" ADD "expires_at" TIMESTAMP(3) WITH TIME ZONE`);
    await queryRunner.query(`CREATE INDEX "ix_token_exposures_expires_at" ON "token_exposures" ("expires_at")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "ix_token_exposures_expires_at"`);
    await queryRunner.query(`ALTER TABLE "token_exposures" DROP COLUMN "expires_at"`);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION "audit_chain_guard"() RETURNS trigger LANGUAGE plpgsql AS $$
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
      CREATE OR REPLACE FUNCTION "audit_events_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' AND current_setting('audit.purge', true) = 'on' THEN
          RETURN OLD;
        END IF;
        RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
  }
}
