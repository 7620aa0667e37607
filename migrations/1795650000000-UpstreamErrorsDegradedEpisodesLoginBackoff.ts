import { MigrationInterface, QueryRunner } from 'typeorm';

export class UpstreamErrorsDegradedEpisodesLoginBackoff1795650000000 implements MigrationInterface {
  name = 'UpstreamErrorsDegradedEpisodesLoginBackoff1795650000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // The last error MyInvois answered for the credential (any kind, kept after a success), and since when
    // MyInvois has been failing it: the degraded episode, ended by the next token.
    await queryRunner.query(`ALTER TABLE "credentials" ADD "last_error_classification" character varying(32)`);
    await queryRunner.query(`ALTER TABLE "credentials" ADD "last_error_status" smallint`);
    await queryRunner.query(`ALTER TABLE "credentials" ADD "last_error_correlation_id" character varying(128)`);
    await queryRunner.query(`ALTER TABLE "credentials" ADD "last_error_at" TIMESTAMP(3) WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "credentials" ADD "degraded_since" TIMESTAMP(3) WITH TIME ZONE`);
    // Per token key: what the last failure was, so that a request during its back-off gets the right answer.
    await queryRunner.query(`ALTER TABLE "tokens" ADD "last_error_classification" character varying(32)`);
    await queryRunner.query(`ALTER TABLE "tokens" ADD "last_error_description" character varying(500)`);
    await queryRunner.query(`ALTER TABLE "tokens" ADD "last_error_correlation_id" character varying(128)`);
    // Per client ID: the Retry-After a 429 pause came with, and the back-off after MyInvois failed (one probe at a time).
    await queryRunner.query(`ALTER TABLE "login_budgets" ADD "paused_retry_after_seconds" integer`);
    await queryRunner.query(`ALTER TABLE "login_budgets" ADD "failures" integer NOT NULL DEFAULT 0`);
    await queryRunner.query(`ALTER TABLE "login_budgets" ADD "retry_at" TIMESTAMP(3) WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "login_budgets" ADD "probe_until" TIMESTAMP(3) WITH TIME ZONE`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const column of ['probe_until', 'retry_at', 'failures', 'paused_retry_after_seconds']) {
      await queryRunner.query(`ALTER TABLE "login_budgets" DROP COLUMN "${column}"`);
    }
    for (const column of ['last_error_correlation_id', 'last_error_description', 'last_error_classification']) {
      await queryRunner.query(`ALTER TABLE "tokens" DROP COLUMN "${column}"`);
    }
    for (const column of ['degraded_since', 'last_error_at', 'last_error_correlation_id', 'last_error_status', 'last_error_classification']) {
      await queryRunner.query(`ALTER TABLE "credentials" DROP COLUMN "${column}"`);
    }
  }
}
