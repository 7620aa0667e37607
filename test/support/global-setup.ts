import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client } from 'pg';

const ROOT = resolve(__dirname, '..', '..');

/**
 * The e2e suites run the built service (`npm test` builds it first) against a real PostgreSQL:
 * TEST_DATABASE_URL when set (each suite creates its own database there), else an embedded
 * cluster under .data/test-postgres, started here and stopped in global-teardown.ts.
 */
export default async function globalSetup(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist', 'src', 'main.js'))) {
    throw new Error('dist/ is missing: run the e2e suites with `npm test`, which builds first');
  }
  if (process.env.TEST_DATABASE_URL) {
    const client = new Client({ connectionString: process.env.TEST_DATABASE_URL });
    await client.connect().catch((error: Error) => {
      throw new Error(`TEST_DATABASE_URL does not answer: ${error.message}`);
    });
    await client.end();
    return;
  }
  // Loaded from the build so that tests use the same launcher as `npm start`.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { EmbeddedDatabase } = require(join(ROOT, 'dist', 'src', 'database', 'embedded-database.js'));
  const embedded = await EmbeddedDatabase.start({
    dataDir: join(ROOT, '.data', 'test'),
    port: Number(process.env.TEST_EMBEDDED_DATABASE_PORT ?? 54339),
    log: (message: string) => process.stderr.write(`${message}\n`),
  });
  (globalThis as { __embeddedTestDatabase?: unknown }).__embeddedTestDatabase = embedded;
  process.env.TEST_DATABASE_URL = embedded.url;
}
