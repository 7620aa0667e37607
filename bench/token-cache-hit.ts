/**
 * How many token requests a second the cache-hit path serves, and its latency, measured with
 * autocannon against the running service, beside a bare NestJS-on-Fastify route in the same
 * run on the same machine. Run with `npm run bench` (needs a PostgreSQL: TEST_DATABASE_URL,
 * as for the tests). Options: BENCH_DURATION (seconds, default 10), BENCH_CONNECTIONS (50),
 * BENCH_LOG_LEVEL (the broker's LOG_LEVEL, default info as in production).
 */
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { brokerToken, createPrincipal } from '../test/support/auth';
import { freePort } from '../test/support/processes';
import { startWorld, taxpayerTenant } from '../test/support/world';

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);

interface Figures {
  name: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function load(name: string, url: string, headers: Record<string, string>): Promise<Figures> {
  // A short warm-up, so that the JIT and connection pools are settled before measuring.
  await autocannon({ url, method: 'POST', headers, body: '{}', connections: CONNECTIONS, duration: 2 });
  const result = await autocannon({ url, method: 'POST', headers, body: '{}', connections: CONNECTIONS, duration: DURATION });
  return {
    name,
    requestsPerSecond: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

async function startBare(): Promise<{ url: string; stop: () => void }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, 'bare-app.ts'), String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
  return { url: `http://127.0.0.1:${port}/token`, stop: () => child.kill('SIGTERM') };
}

async function main(): Promise<void> {
  const world = await startWorld({ brokers: 1, brokerEnv: { LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info', DATABASE_POOL_SIZE: '10' } });
  const bare = await startBare();
  try {
    const { tenant } = await taxpayerTenant(world);
    const service = await createPrincipal(world.brokers[0], world.admins[0], { tenantGrants: [tenant.id] });
    const token = await brokerToken(world.brokers[0], service.clientId, service.clientSecret);
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const first = await service.client.post(`/v1/tenants/${tenant.id}/token`, {});
    if (first.status !== 200) throw new Error(`warm-up request failed: ${first.status} ${first.text}`);

    const results = [
      await load('bare NestJS on Fastify', bare.url, { 'content-type': 'application/json' }),
      await load('POST /v1/tenants/{id}/token (cache hit)', `${world.brokers[0].url}/v1/tenants/${tenant.id}/token`, headers),
    ];
    const logins = (await world.simulator.counters()).total.logins;
    process.stdout.write(`\n${DURATION} s per run, ${CONNECTIONS} connections, autocannon and the services on one ${cpus().length}-core machine\n\n`);
    process.stdout.write('| target | requests/s | p50 ms | p99 ms | errors | non-2xx |\n| --- | ---: | ---: | ---: | ---: | ---: |\n');
    for (const r of results) process.stdout.write(`| ${r.name} | ${r.requestsPerSecond} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.non2xx} |\n`);
    process.stdout.write(`\nMyInvois logins during the run: ${logins} (1 expected: the warm-up)\n`);
  } finally {
    bare.stop();
    await world.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
