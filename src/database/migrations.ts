import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';

/** Any constant works; it only has to be the same in every replica. */
const MIGRATION_LOCK_KEY = 0x6d69_6772; // "migr"

/**
 * Runs pending migrations under a session advisory lock, so replicas starting together do
 * not race: the first one migrates, the others wait and then find nothing to do.
 */
export async function runMigrationsExclusively(dataSource: DataSource, logger = new Logger('Migrations')): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      for (const migration of applied) logger.log(`applied migration ${migration.name}`);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
  }
}
