import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateTenants1795628004762 implements MigrationInterface {
  name = 'CreateTenants1795628004762';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "tenants" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "name" character varying(200) NOT NULL,
        "tin" character varying(20) NOT NULL,
        "brn" character varying(12),
        "environment" character varying(16) NOT NULL,
        "status" character varying(16) NOT NULL DEFAULT 'active',
        "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
        "deleted_at" TIMESTAMP(3) WITH TIME ZONE,
        CONSTRAINT "pk_tenants" PRIMARY KEY ("id"),
        CONSTRAINT "ck_tenants_environment" CHECK ("environment" IN ('sandbox', 'production')),
        CONSTRAINT "ck_tenants_status" CHECK ("status" IN ('active', 'suspended')),
        CONSTRAINT "ck_tenants_brn" CHECK ("brn" IS NULL OR "brn" ~ '^[0-9]{12}$')
      )`);
    // One live tenant per TIN and environment; a soft-deleted tenant frees its TIN.
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_tenants_environment_tin_live" ON "tenants" ("environment", "tin") WHERE "deleted_at" IS NULL`);
    // Keyset pagination in creation order.
    await queryRunner.query(`CREATE INDEX "ix_tenants_created_at_id" ON "tenants" ("created_at", "id")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "tenants"`);
  }
}
