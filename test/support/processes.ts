import { ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');

/** The admin every test broker bootstraps, unless a test overrides BOOTSTRAP_ADMIN_*. */
export const TEST_ADMIN = { clientId: 'test-admin', clientSecret: 'test-admin-secret-0123456789abcdef0123456789' };

/**
 * One signing key for every broker of a test run, so replicas verify each other's tokens and
 * tests can mint tokens of their own (expired, tampered) with the key the broker trusts.
 */
export const TEST_SIGNING_KEY = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

/** Shared by the brokers of a test run, as replicas share it in production. */
export const TEST_FINGERPRINT_KEY = randomBytes(32).toString('base64');

/** The vault's master key for test brokers; tests of rotation add versions of their own. */
export const TEST_VAULT_KEY = randomBytes(32).toString('base64');
export const TEST_VAULT_KEYS = `t1:${TEST_VAULT_KEY}`;

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A service started from dist/ as its own process, the way an operator runs it. */
export class ServiceProcess {
  private output = '';
  private exited: Promise<number | null>;

  constructor(
    readonly name: string,
    readonly url: string,
    private readonly child: ChildProcess,
    private readonly logFile?: string,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString('utf8')));
    this.exited = new Promise((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Everything the process wrote to stdout and stderr so far. */
  logs(): string {
    return this.logFile === undefined ? this.output : readFileSync(this.logFile, 'utf8');
  }

  /** Parsed JSON log lines (non-JSON lines are skipped). */
  logLines(): Array<Record<string, unknown>> {
    return this.logs()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Graceful stop (SIGTERM); resolves with the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.running) this.child.kill(signal);
    return this.exited;
  }

  /** Crash: SIGKILL, no shutdown hooks run. */
  async kill(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** Output reaches us through a pipe or its log file, a little after the process wrote it. */
  async waitForLog(pattern: RegExp, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.logs())) {
      if (Date.now() > deadline) throw new Error(`${this.name} did not log ${pattern} within ${timeoutMs} ms:\n${this.logs().slice(-3000)}`);
      await new Promise((resolveWait) => setTimeout(resolveWait, 50));
    }
  }

  waitForExit(): Promise<number | null> {
    return this.exited;
  }

  async waitUntil(path: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`${this.name} exited before it was ready:\n${this.logs()}`);
      try {
        const response = await fetch(`${this.url}${path}`);
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolveWait) => setTimeout(resolveWait, 100));
    }
    throw new Error(`${this.name} was not ready within ${timeoutMs} ms:\n${this.logs()}`);
  }
}

/**
 * Every process a test starts runs with these: a deprecation (such as pg's warning about a query
 * sent to a client still busy with another) stops the process, and so fails the test.
 */
export const TEST_NODE_FLAGS = ['--throw-deprecation'];

/** BROKER_NODE_ARGS passes flags to the services' Node (for example `--cpu-prof` when profiling a benchmark). */
function spawnNode(entry: string, env: Record<string, string>, extraNodeArgs: string[] = [], logFd?: number): ChildProcess {
  const nodeArgs = [...TEST_NODE_FLAGS, ...(process.env.BROKER_NODE_ARGS ?? '').split(' ').filter(Boolean), ...extraNodeArgs];
  return spawn(process.execPath, [...nodeArgs, join(ROOT, 'dist', 'src', entry)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: logFd === undefined ? ['ignore', 'pipe', 'pipe'] : ['ignore', logFd, logFd],
  });
}

export interface BrokerOptions {
  databaseUrl: string;
  env?: Record<string, string>;
  /** Wait for /health/ready (default true). */
  waitReady?: boolean;
  /** Flags for the broker's Node (a heap snapshot signal, say). */
  nodeArgs?: string[];
  /**
   * Write the broker's output to this file instead of a pipe read by this process: a benchmark's
   * load generator then does not also read thousands of log lines a second.
   */
  logFile?: string;
}

/** Starts the broker on a free port against the given database. */
export async function startBroker(options: BrokerOptions): Promise<ServiceProcess> {
  const port = await freePort();
  const logFd = options.logFile === undefined ? undefined : openSync(options.logFile, 'a');
  const child = spawnNode(
    'main.js',
    {
      NODE_ENV: 'test',
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      DATABASE_URL: options.databaseUrl,
      DATABASE_POOL_SIZE: '5',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'broker-data-')),
      BOOTSTRAP_ADMIN_CLIENT_ID: TEST_ADMIN.clientId,
      BOOTSTRAP_ADMIN_CLIENT_SECRET: TEST_ADMIN.clientSecret,
      AUTH_SIGNING_KEY: TEST_SIGNING_KEY,
      AUDIT_FINGERPRINT_KEY: TEST_FINGERPRINT_KEY,
      VAULT_KEYS: TEST_VAULT_KEYS,
      ...options.env,
    },
    options.nodeArgs,
    logFd,
  );
  if (logFd !== undefined) closeSync(logFd);
  const broker = new ServiceProcess('broker', `http://127.0.0.1:${port}`, child, options.logFile);
  if (options.waitReady !== false) await broker.waitUntil('/health/ready');
  return broker;
}

/** Starts the MyInvois simulator on a free port. */
export async function startSimulator(env: Record<string, string> = {}): Promise<ServiceProcess> {
  const port = await freePort();
  const child = spawnNode(join('simulator', 'main.js'), {
    NODE_ENV: 'test',
    SIMULATOR_PORT: String(port),
    SIMULATOR_HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    ...env,
  });
  const simulator = new ServiceProcess('simulator', `http://127.0.0.1:${port}`, child);
  await simulator.waitUntil('/_sim/health');
  return simulator;
}
