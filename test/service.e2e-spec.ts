import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brokerToken } from './support/auth';
import { createTestDatabase, TestDatabase } from './support/database';
import { makeTenant } from './support/factories';
import { HttpClient } from './support/http';
import { freePort, startBroker, TEST_ADMIN } from './support/processes';

describe('the service process', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('runs migrations at start-up, answers health checks and serves the OpenAPI document', async () => {
    const broker = await startBroker({ databaseUrl: database.url });
    try {
      const api = new HttpClient(broker.url);
      expect((await api.get('/health/live')).status).toBe(200);
      const ready = await api.get('/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.body.details.database.status).toBe('up');
      const docs = await api.get('/docs/json');
      expect(docs.status).toBe(200);
      expect(Object.keys(docs.body.paths)).toEqual(expect.arrayContaining(['/v1/tenants', '/v1/tenants/{id}']));
      expect((await fetch(`${broker.url}/docs`)).status).toBe(200);
      const migrations = await database.query('SELECT name FROM migrations');
      expect(migrations.length).toBeGreaterThan(0);
    } finally {
      await broker.stop();
    }
  });

  it('starts two replicas at once on one database without a migration race', async () => {
    const fresh = await createTestDatabase();
    try {
      const [a, b] = await Promise.all([startBroker({ databaseUrl: fresh.url }), startBroker({ databaseUrl: fresh.url })]);
      expect(a.running && b.running).toBe(true);
      await Promise.all([a.stop(), b.stop()]);
    } finally {
      await fresh.drop();
    }
  });

  it('with MIGRATIONS_RUN=false, leaves the schema alone and refuses to start on a schema that is behind', async () => {
    const fresh = await createTestDatabase();
    try {
      const broker = await startBroker({ databaseUrl: fresh.url, env: { MIGRATIONS_RUN: 'false' }, waitReady: false });
      expect(await broker.waitForExit()).toBe(1);
      expect(broker.logs()).toMatch(/pending migrations.*npm run migration:run/);
      const tables = await fresh.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'tenants'");
      expect(tables).toHaveLength(0);
      // Once migrated (here by a first start with migrations on), it starts with them off.
      await (await startBroker({ databaseUrl: fresh.url })).stop();
      const again = await startBroker({ databaseUrl: fresh.url, env: { MIGRATIONS_RUN: 'false' } });
      await again.stop();
    } finally {
      await fresh.drop();
    }
  });

  it('finishes a request in flight on SIGTERM, refuses new connections, then exits 0', async () => {
    const broker = await startBroker({ databaseUrl: database.url, env: { SHUTDOWN_GRACE_MS: '10000' } });
    const token = await brokerToken(broker, TEST_ADMIN.clientId, TEST_ADMIN.clientSecret);
    const body = JSON.stringify(makeTenant());
    const { port } = new URL(broker.url);
    // The request is in flight while its body is still arriving: headers and half the body now,
    // the signal, then the rest of the body.
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = httpRequest(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/v1/tenants',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${token}` },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      request.on('error', reject);
      request.write(body.slice(0, 10));
      setTimeout(() => request.end(body.slice(10)), 500);
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const exit = broker.stop('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 100));
    await expect(fetch(`${broker.url}/health/live`)).rejects.toThrow();
    const answered = await response;
    expect(answered.status).toBe(201);
    expect(JSON.parse(answered.body).tin).toBeDefined();
    expect(await exit).toBe(0);
    expect(broker.logs()).toContain('shutting down');
  });

  it('refuses to start with malformed configuration, listing every bad variable', async () => {
    const broker = await startBroker({
      databaseUrl: 'mysql://nope',
      env: { PORT: '70000', DATABASE_POOL_SIZE: 'many', LOG_LEVEL: 'loud' },
      waitReady: false,
    });
    expect(await broker.waitForExit()).toBe(1);
    const output = broker.logs();
    for (const variable of ['PORT', 'DATABASE_URL', 'DATABASE_POOL_SIZE', 'LOG_LEVEL']) expect(output).toContain(variable);
    expect(output).not.toContain('mysql://nope');
  });

  it('refuses the embedded database in production', async () => {
    const broker = await startBroker({ databaseUrl: '', env: { NODE_ENV: 'production' }, waitReady: false });
    expect(await broker.waitForExit()).toBe(1);
    expect(broker.logs()).toMatch(/DATABASE_URL is not set: production needs its own PostgreSQL/);
  });

  it('in production, names every missing requirement and every malformed variable in one message', async () => {
    const broker = await startBroker({
      databaseUrl: '',
      env: { NODE_ENV: 'production', VAULT_KEYS: '', AUDIT_FINGERPRINT_KEY: '', BOOTSTRAP_ADMIN_CLIENT_SECRET: '', PORT: 'many' },
      waitReady: false,
    });
    expect(await broker.waitForExit()).toBe(1);
    const problems = broker
      .logs()
      .split('\n')
      .filter((line) => line.startsWith('  - '));
    expect(problems.map((line) => line.slice(4).split(' ')[0]).sort()).toEqual([
      'AUDIT_FINGERPRINT_KEY',
      'BOOTSTRAP_ADMIN_CLIENT_SECRET',
      'DATABASE_URL',
      'PORT',
      'VAULT_KEYS',
    ]);
  });

  it('answers a value PostgreSQL cannot read with a 400, never a 500, and keeps the value out of the log', async () => {
    const broker = await startBroker({ databaseUrl: database.url });
    try {
      const admin = new HttpClient(broker.url).withToken(await brokerToken(broker, TEST_ADMIN.clientId, TEST_ADMIN.clientSecret));
      // A sequence number past bigint: the audit log's cursor check lets it through today, so the
      // global backstop answers. Once it is refused there (400 naming cursor), this only shows
      // that no 500 escapes; postgres-errors.spec.ts keeps covering what counts as a data exception.
      const cursor = Buffer.from(JSON.stringify({ seq: '9999999999999999999' })).toString('base64url');
      const response = await admin.get(`/v1/audit-events?cursor=${cursor}`);
      expect(response.status).toBe(400);
      expect(['invalid_input', 'validation_failed']).toContain(response.body.code);
      if (response.body.code === 'invalid_input') {
        await broker.waitForLog(/a data exception escaped validation/);
        const warning = broker.logLines().find((line) => line.msg === 'a data exception escaped validation');
        expect(warning).toMatchObject({ level: 'warn', sqlState: '22003' });
      }
      expect(broker.logs()).not.toContain('9999999999999999999');
    } finally {
      await broker.stop();
    }
  });

  it('writes JSON logs with credentials redacted', async () => {
    const broker = await startBroker({ databaseUrl: database.url });
    try {
      await fetch(`${broker.url}/v1/tenants`, { headers: { authorization: 'Bearer super-secret-token-value' } });
      await broker.stop();
      expect(broker.logs()).not.toContain('super-secret-token-value');
      const completed = broker.logLines().filter((line) => line.msg === 'request completed');
      expect(completed.length).toBeGreaterThan(0);
    } finally {
      await broker.stop();
    }
  });

  describe('on the embedded database', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'broker-embedded-'));
    // Run as root, PostgreSQL runs as the postgres user and must be able to enter the folder.
    chmodSync(dataDir, 0o755);
    const pidFile = join(dataDir, 'postgres', 'postmaster.pid');
    let embeddedPort: number;

    beforeAll(async () => {
      embeddedPort = await freePort();
    });

    afterAll(async () => {
      // Should a test fail, do not leave its PostgreSQL behind.
      if (existsSync(pidFile)) process.kill(Number(readFileSync(pidFile, 'utf8').split('\n')[0]), 'SIGINT');
      await until(async () => !(await accepts(embeddedPort)), 15_000).catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    });

    const start = (env: Record<string, string> = {}) =>
      startBroker({
        databaseUrl: '',
        env: { DATA_DIR: dataDir, EMBEDDED_DATABASE_PORT: String(embeddedPort), SHUTDOWN_GRACE_MS: '30000', ...env },
        waitReady: false,
      });

    it('stops the embedded PostgreSQL when the HTTP port is taken', async () => {
      const taken = createServer();
      await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
      try {
        const broker = await start({ PORT: String((taken.address() as { port: number }).port) });
        expect(await broker.waitForExit()).toBe(1);
        expect(broker.logs()).toMatch(/EADDRINUSE/);
        expect(existsSync(pidFile)).toBe(false);
        expect(await accepts(embeddedPort)).toBe(false);
      } finally {
        taken.close();
      }
    });

    it('stops the embedded PostgreSQL when a signal arrives during start-up', async () => {
      const broker = await start();
      await broker.waitForLog(/using the embedded PostgreSQL/, 45_000);
      expect(await broker.stop('SIGTERM')).toBe(0);
      expect(broker.logs()).not.toMatch(/is listening/);
      expect(existsSync(pidFile)).toBe(false);
      expect(await accepts(embeddedPort)).toBe(false);
    });
  });
});

/** Whether something accepts TCP connections on the port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.connect(port, '127.0.0.1');
  });
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
