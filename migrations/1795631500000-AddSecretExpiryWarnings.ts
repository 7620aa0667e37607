import { MigrationInterface, QueryRunner } from 'typeorm';

export class AddSecretExpiryWarnings1795631500000 implements MigrationInterface {
  name = 'AddSecretExpiryWarnings1795631500000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // The day a credential's secret expiry was last announced: once per day, across replicas.
    await queryRunner.query(`ALTER TABLE "credentials" ADD "expiry_warned_on" date`);
    // The refresher looks for in-use tokens that are due.
    await queryRunner.query(`CREATE INDEX "ix_tokens_last_used_at" ON "tokens" ("last_used_at")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "ix_tokens_last_used_at"`);
    await queryRunner.query(`ALTER TABLE "credentials" DROP COLUMN "expiry_warned_on"`);
  }
}
