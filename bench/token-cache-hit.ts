/**
 * How many token requests a second the cache-hit path serves, and its latency, measured with
 * autocannon against the running service, beside a bare NestJS-on-Fastify route in the same
 * run on the same machine, and beside a bare Fastify route: both answer the same JSON. Prints
 * the token route's share of each. Run with `npm run bench` (needs a PostgreSQL:
 * TEST_DATABASE_URL, as for the tests). Options: BENCH_DURATION (seconds per target, default
 * 10), BENCH_ROUNDS (the turns the targets take, 5), BENCH_CONNECTIONS (50), BENCH_LOG_LEVEL (the broker's LOG_LEVEL, default info as in
 * production). BROKER_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" profiles the broker.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { brokerToken, createPrincipal } from '../test/support/auth';
import { freePort } from '../test/support/processes';
import { startWorld, taxpayerTenant } from '../test/support/world';

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

interface Figures {
  name: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
}

const run = (target: Target, duration: number) =>
  autocannon({ url: target.url, method: 'POST', headers: target.headers, body: '{}', connections: CONNECTIONS, duration });
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/**
 * The targets take turns, BENCH_ROUNDS rounds of BENCH_DURATION / BENCH_ROUNDS seconds each, so
 * that a change in the machine's load (other processes on shared cores) weighs on all alike.
 * Requests a second over all rounds; p50 and p99 the median of the rounds'.
 */
async function load(targets: Target[]): Promise<Figures[]> {
  // A short warm-up, so that the JIT and connection pools are settled before measuring.
  for (const target of targets) await run(target, 2);
  const rounds = targets.map(() => [] as autocannon.Result[]);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, target] of targets.entries()) rounds[i].push(await run(target, DURATION / ROUNDS));
  }
  return targets.map((target, i) => ({
    name: target.name,
    requestsPerSecond: Math.round(rounds[i].reduce((sum, r) => sum + r.requests.total, 0) / DURATION),
    p50: median(rounds[i].map((r) => r.latency.p50)),
    p99: median(rounds[i].map((r) => r.latency.p99)),
    errors: rounds[i].reduce((sum, r) => sum + r.errors, 0),
    non2xx: rounds[i].reduce((sum, r) => sum + r.non2xx, 0),
  }));
}

async function startBare(kind: 'nest' | 'fastify'): Promise<{ url: string; stop: () => void }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, 'bare-app.ts'), String(port), kind], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
  return { url: `http://127.0.0.1:${port}/token`, stop: () => child.kill('SIGTERM') };
}

async function main(): Promise<void> {
  // The broker's log lines go to a file, as to a log shipper in production, not into autocannon's process.
  const brokerLogDir = mkdtempSync(join(tmpdir(), 'bench-broker-logs-'));
  const world = await startWorld({ brokers: 1, brokerEnv: { LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info', DATABASE_POOL_SIZE: '10' }, brokerLogDir });
  const bare = await startBare('nest');
  const bareFastify = await startBare('fastify');
  try {
    const { tenant } = await taxpayerTenant(world);
    const service = await createPrincipal(world.brokers[0], world.admins[0], { tenantGrants: [tenant.id] });
    const token = await brokerToken(world.brokers[0], service.clientId, service.clientSecret);
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const first = await service.client.post(`/v1/tenants/${tenant.id}/token`, {});
    if (first.status !== 200) throw new Error(`warm-up request failed: ${first.status} ${first.text}`);

    const json = { 'content-type': 'application/json' };
    const results = await load([
      { name: 'bare NestJS on Fastify', url: bare.url, headers: json },
      { name: 'bare Fastify', url: bareFastify.url, headers: json },
      { name: 'POST /v1/tenants/{id}/token (cache hit)', url: `${world.brokers[0].url}/v1/tenants/${tenant.id}/token`, headers },
    ]);
    const [bareNest, fastifyAlone, hit] = results;
    const logins = (await world.simulator.counters()).total.logins;
    process.stdout.write(
      `\n${DURATION} s per target in ${ROUNDS} turns, ${CONNECTIONS} connections, autocannon and the services on one ${cpus().length}-core machine\n\n`,
    );
    process.stdout.write('| target | requests/s | p50 ms | p99 ms | errors | non-2xx |\n| --- | ---: | ---: | ---: | ---: | ---: |\n');
    for (const r of results) process.stdout.write(`| ${r.name} | ${r.requestsPerSecond} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.non2xx} |\n`);
    const share = (floor: Figures) => (hit.requestsPerSecond / floor.requestsPerSecond).toFixed(2);
    process.stdout.write(`\nThe cache hit serves ${share(bareNest)} of the bare NestJS route and ${share(fastifyAlone)} of the bare Fastify route.\n`);
    process.stdout.write(`MyInvois logins during the run: ${logins} (1 expected: the warm-up)\n`);
    const requestLines = world.brokers[0].logs().split('"msg":"request completed"').length - 1;
    process.stdout.write(`The broker's "request completed" log lines: ${requestLines}\n`);
  } finally {
    bare.stop();
    bareFastify.stop();
    await world.stop();
    rmSync(brokerLogDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
