import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreatePrincipals1795628463863 implements MigrationInterface {
  name = 'CreatePrincipals1795628463863';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "principals" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "name" character varying(200) NOT NULL,
        "role" character varying(16) NOT NULL,
        "client_id" character varying(128) NOT NULL,
        "secret_hash" character varying(255) NOT NULL,
        "secret_version" integer NOT NULL DEFAULT 1,
        "all_tenants" boolean NOT NULL DEFAULT false,
        "tenant_ids" uuid array NOT NULL DEFAULT '{}',
        "external_subject" character varying(255),
        "enabled" boolean NOT NULL DEFAULT true,
        "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
        "deleted_at" TIMESTAMP(3) WITH TIME ZONE,
        CONSTRAINT "pk_principals" PRIMARY KEY ("id"),
        CONSTRAINT "ck_principals_role" CHECK ("role" IN ('admin', 'service'))
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_principals_client_id" ON "principals" ("client_id")`);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_principals_external_subject" ON "principals" ("external_subject") WHERE "external_subject" IS NOT NULL`);
    await queryRunner.query(`CREATE INDEX "ix_principals_created_at_id" ON "principals" ("created_at", "id")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "principals"`);
  }
}
