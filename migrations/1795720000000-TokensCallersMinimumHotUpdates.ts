import { MigrationInterface, QueryRunner } from 'typeorm';

export class TokensCallersMinimumHotUpdates1795720000000 implements MigrationInterface {
  name = 'TokensCallersMinimumHotUpdates1795720000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // The largest minTtlSeconds the key's callers asked for while it was in use: its refresh comes due before they would refuse it.
    await queryRunner.query(`ALTER TABLE "tokens" ADD "callers_min_ttl_seconds" integer NOT NULL DEFAULT 0`);
    // Room on each page for the new version of a row, so that updates of unindexed columns stay on the page (HOT) and leave no index entries behind.
    await queryRunner.query(`ALTER TABLE "tokens" SET (fillfactor = 70)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "tokens" RESET (fillfactor)`);
    await queryRunner.query(`ALTER TABLE "tokens" DROP COLUMN "callers_min_ttl_seconds"`);
  }
}
