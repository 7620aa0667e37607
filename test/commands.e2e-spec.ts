import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { embeddedDatabaseBlocked } from '../src/database/embedded-access';
import { createTestDatabase, TestDatabase } from './support/database';
import { freePort, ServiceProcess, startBroker, TEST_FINGERPRINT_KEY, TEST_NODE_FLAGS, TEST_VAULT_KEYS } from './support/processes';

const ROOT = resolve(__dirname, '..');
const COMMANDS = {
  'audit:verify': join(ROOT, 'dist', 'src', 'audit', 'commands', 'verify-audit.command.js'),
  'vault:rewrap': join(ROOT, 'dist', 'src', 'vault', 'commands', 'rewrap.command.js'),
} as const;
type Command = keyof typeof COMMANDS;
const asRoot = process.getuid?.() === 0;

/** Runs a built command as `npm run <command>` would, with only the environment given. */
function run(entry: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [...TEST_NODE_FLAGS, entry, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolveRun) => child.once('close', (code) => resolveRun({ code, stdout, stderr })));
}

const command = (name: Command, args: string[], env: Record<string, string>) => run(COMMANDS[name], args, env);

/** A stack trace has lines like `    at Foo (/path/file.js:1:2)`. */
const STACK_TRACE = /^\s+at .+:\d+:\d+\)?$/m;

/** A data directory every user may enter, as the embedded PostgreSQL needs when run as root. */
function openDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'broker-embedded-'));
  chmodSync(dir, 0o755);
  return dir;
}

describe('the command-line jobs (npm run audit:verify, npm run vault:rewrap)', () => {
  let database: TestDatabase;
  let broker: ServiceProcess;
  let serviceEnv: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase();
    broker = await startBroker({ databaseUrl: database.url });
    serviceEnv = { DATABASE_URL: database.url, VAULT_KEYS: TEST_VAULT_KEYS, AUDIT_FINGERPRINT_KEY: TEST_FINGERPRINT_KEY, DATA_DIR: openDataDir() };
  });

  afterAll(async () => {
    await broker?.stop();
    await database?.drop();
  });

  it.each(Object.keys(COMMANDS) as Command[])('%s prints its usage for --help, where it looks for the database included, and exits 0', async (name) => {
    const result = await command(name, ['--help'], {});
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^Usage: npm run ${name}`));
    expect(result.stdout).toMatch(/DATABASE_URL, or else the embedded\nPostgreSQL under DATA_DIR/);
  });

  it.each(Object.keys(COMMANDS) as Command[])('%s answers an unknown option with the usage and exit code 2, not a stack trace', async (name) => {
    const result = await command(name, ['--bogus'], serviceEnv);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^Unknown option '--bogus'/);
    expect(result.stderr).toContain(`Usage: npm run ${name}`);
    expect(result.stderr).not.toMatch(STACK_TRACE);
  });

  it('verifies the chain the service writes, with the configuration the service has', async () => {
    const result = await command('audit:verify', [], serviceEnv);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, checked: expect.any(Number) });
  });

  it('re-wraps under the keys the service has', async () => {
    const result = await command('vault:rewrap', ['--limit', '10'], serviceEnv);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ remaining: 0, failed: [] });
  });

  it.each(Object.keys(COMMANDS) as Command[])('%s says which database it tried and what to set when it cannot reach it', async (name) => {
    const nothingThere = `postgres://broker:hunter2@127.0.0.1:${await freePort()}/myinvois_broker`;
    const result = await command(name, [], { ...serviceEnv, DATABASE_URL: nothingThere });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^Cannot reach the database at postgres:\/\/broker:\*\*\*@127\.0\.0\.1:\d+\/myinvois_broker \(DATABASE_URL\): .*ECONNREFUSED.*Set DATABASE_URL/,
    );
    expect(result.stderr).not.toContain('hunter2');
    expect(result.stderr).not.toMatch(STACK_TRACE);
  });

  (asRoot ? it : it.skip)('as root, stops with one message rather than crash when the postgres user cannot reach the embedded database', async () => {
    // mkdtemp makes the directory 0700: as /root is on a fresh server.
    const closed = mkdtempSync(join(tmpdir(), 'broker-closed-'));
    const service = await run(join(ROOT, 'dist', 'src', 'main.js'), [], { DATA_DIR: join(closed, '.data'), PORT: String(await freePort()) });
    expect(service.code).toBe(1);
    const output = service.stdout + service.stderr;
    expect(output).toMatch(/myinvois-broker cannot start\. DATABASE_URL is not set, and the embedded PostgreSQL cannot run here/);
    // The closed directory, unless this checkout is out of reach already (then that comes first).
    expect(output).toMatch(embeddedDatabaseBlocked({ dataDir: openDataDir() }) ? /which cannot enter \// : new RegExp(`cannot enter ${closed}`));
    expect(output).not.toMatch(/EACCES|unhandled/i);
    expect(output).not.toMatch(STACK_TRACE);
    const cli = await command('audit:verify', [], { DATA_DIR: join(closed, '.data') });
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(/the embedded PostgreSQL cannot run here/);
  });

  it('finds the embedded database the service runs, on the port it runs on, with no variable set but DATA_DIR', async () => {
    const dataDir = openDataDir();
    const blocked = asRoot ? embeddedDatabaseBlocked({ dataDir }) : undefined;
    if (blocked) {
      // This checkout itself is out of the postgres user's reach (a clone under /root): that is refused, clearly.
      const result = await command('audit:verify', [], { DATA_DIR: dataDir });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(blocked);
      return;
    }
    const port = await freePort();
    const service = await startBroker({ databaseUrl: '', env: { DATA_DIR: dataDir, EMBEDDED_DATABASE_PORT: String(port) } });
    try {
      // As the README runs it after `npm start`: neither DATABASE_URL nor EMBEDDED_DATABASE_PORT.
      const result = await command('audit:verify', [], { DATA_DIR: dataDir });
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ ok: true });
      expect(result.stderr).toContain(`runs on port ${port}; connecting there`);
    } finally {
      expect(await service.stop()).toBe(0);
    }
  });
});
