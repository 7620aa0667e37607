/**
 * Many tenants on three replicas: `npm run bench:scale` (needs a PostgreSQL: TEST_DATABASE_URL,
 * as for the tests; a fresh database is made on it). Starts the simulator and three brokers as
 * processes, onboards BENCH_TENANTS tenants (default 10000): most with a taxpayer credential of
 * their own, the rest through intermediaries each serving what its login budget can keep fresh
 * (the README's Sizing formula, printed). Then every tenant asks once, and BENCH_RPS (300) token
 * requests a second follow for BENCH_MINUTES (25), 80 % of them for a hot fifth of the tenants,
 * through all three replicas; one replica is restarted halfway. Simulator tokens live
 * BENCH_TOKEN_TTL_SECONDS (600). Prints the figures, the "must" rows marked pass or fail.
 * BENCH_SMOKE=1: 200 tenants, 2 minutes, 120 s tokens.
 */
import { readFileSync } from 'node:fs';
import { Pool } from 'undici';
import { adminClient, brokerToken } from '../test/support/auth';
import { makeCredential } from '../test/support/credentials';
import { makeTenant, uniqueTin } from '../test/support/factories';
import { HttpClient } from '../test/support/http';
import { metric } from '../test/support/metrics';
import { ServiceProcess, startBroker, TEST_ADMIN } from '../test/support/processes';
import { makeIntermediary, makeTaxpayer, uniqueId } from '../test/support/simulator';
import { startWorld, World } from '../test/support/world';

const SMOKE = process.env.BENCH_SMOKE === '1';
const TENANTS = Number(process.env.BENCH_TENANTS ?? (SMOKE ? 200 : 10_000));
const MINUTES = Number(process.env.BENCH_MINUTES ?? (SMOKE ? 2 : 25));
const RPS = Number(process.env.BENCH_RPS ?? (SMOKE ? 50 : 300));
const TTL_SECONDS = Number(process.env.BENCH_TOKEN_TTL_SECONDS ?? (SMOKE ? 120 : 600));
const LOGIN_RATE = 12;
const RESERVE = 1;
const THRESHOLD = 0.25;
/** The default minimum, and what the hot set's callers ask for: above the refresher's threshold with short tokens. */
const MIN_TTL_SECONDS = Math.min(60, Math.floor(TTL_SECONDS / 4));
const HOT_MIN_TTL_SECONDS = Math.floor(TTL_SECONDS * 0.3);
const ONBOARDING_CONCURRENCY = 16;

/** README, Sizing: a client ID renews (limit - reserve) tokens a minute; each token once per (1 - threshold) of its lifetime. */
const perIntermediary = Math.floor((LOGIN_RATE - RESERVE) * (1 - THRESHOLD) * (TTL_SECONDS / 60));
/** About a tenth of the tenants are served through intermediaries, each filled up to what its budget keeps fresh. */
const intermediaries = Math.max(1, Math.floor(TENANTS / 10 / perIntermediary));

interface Answer {
  status: number;
  code?: string;
  ms: number;
  expiresInSeconds?: number;
  expiresAtMs?: number;
  minTtlSeconds: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function inParallel<T>(items: T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const index = next++;
        await work(items[index], index);
      }
    }),
  );
}

async function onboard(world: World): Promise<string[]> {
  const admin = world.admins[0];
  const ids: string[] = [];
  const created = async (response: { status: number; body: { id: string }; text: string }, what: string) => {
    if (response.status !== 200 && response.status !== 201) throw new Error(`${what}: ${response.status} ${response.text}`);
    return response.body.id;
  };
  const taxpayers = Math.max(0, TENANTS - intermediaries * perIntermediary);
  await inParallel(
    Array.from({ length: taxpayers }, () => uniqueTin()),
    ONBOARDING_CONCURRENCY,
    async (tin) => {
      const client = await world.simulator.register(makeTaxpayer({ clientId: uniqueId('erp'), tin }));
      const credential = await created(
        await admin.post('/v1/credentials', makeCredential({ kind: 'taxpayer', clientId: client.clientId, clientSecret: client.secrets[0] })),
        'credential',
      );
      const tenant = await created(await admin.post('/v1/tenants', makeTenant({ tin })), 'tenant');
      await created(await admin.patch(`/v1/tenants/${tenant}`, { credentialId: credential }), 'attach');
      ids.push(tenant);
    },
  );
  for (let i = 0; i < intermediaries && ids.length < TENANTS; i++) {
    const tins = Array.from({ length: Math.min(perIntermediary, TENANTS - ids.length) }, () => uniqueTin());
    const client = await world.simulator.register(makeIntermediary({ clientId: uniqueId('intermediary'), allowedOnBehalfOf: tins }));
    const credential = await created(
      await admin.post('/v1/credentials', makeCredential({ kind: 'intermediary', clientId: client.clientId, clientSecret: client.secrets[0] })),
      'credential',
    );
    await inParallel(tins, ONBOARDING_CONCURRENCY, async (tin) => {
      const tenant = await created(await admin.post('/v1/tenants', makeTenant({ tin })), 'tenant');
      await created(await admin.patch(`/v1/tenants/${tenant}`, { credentialId: credential, onBehalfOfFormat: 'tin' }), 'attach');
      ids.push(tenant);
    });
  }
  return ids;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

/** CPU seconds and RSS of a process, from /proc. */
function usage(pid: number): { cpuSeconds: number; rssMiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = Number(stat[11]) + Number(stat[12]);
  const rssPages = Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]);
  return { cpuSeconds: ticks / 100, rssMiB: Math.round((rssPages * 4096) / 1048576) };
}

async function databaseFigures(world: World): Promise<{ commits: number; updated: number; hotUpdated: number; inserted: number; connections: number }> {
  const [db] = await world.database.query(`SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()`);
  const [tokens] = await world.database.query(`SELECT n_tup_upd, n_tup_hot_upd, n_tup_ins FROM pg_stat_user_tables WHERE relname = 'tokens'`);
  const [connections] = await world.database.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database()`);
  return {
    commits: Number(db.xact_commit),
    updated: Number(tokens?.n_tup_upd ?? 0),
    hotUpdated: Number(tokens?.n_tup_hot_upd ?? 0),
    inserted: Number(tokens?.n_tup_ins ?? 0),
    connections: Number(connections.n),
  };
}

async function main(): Promise<void> {
  const env = {
    TOKEN_MIN_TTL_SECONDS: String(MIN_TTL_SECONDS),
    TOKEN_INVALIDATE_COOLDOWN_SECONDS: String(Math.min(30, Math.floor(TTL_SECONDS / 10))),
    REFRESH_THRESHOLD_RATIO: String(THRESHOLD),
    REFRESH_BATCH_SIZE: '100',
    MYINVOIS_SANDBOX_LOGIN_RATE_PER_MINUTE: String(LOGIN_RATE),
    DATABASE_POOL_SIZE: '10',
  };
  process.stdout.write(
    `${TENANTS} tenants: ${intermediaries} intermediaries serving up to ${perIntermediary} each ` +
      `(Sizing: (loginRatePerMinute ${LOGIN_RATE} - reserve ${RESERVE}) x (1 - threshold ${THRESHOLD}) x lifetime ${TTL_SECONDS / 60} min), ` +
      `the rest taxpayers with their own client ID; ${RPS} requests/s for ${MINUTES} min, tokens of ${TTL_SECONDS} s\n`,
  );
  const world = await startWorld({ brokers: 3, brokerEnv: env, simulatorEnv: { SIMULATOR_TOKEN_TTL_SECONDS: String(TTL_SECONDS) } });
  const brokers: ServiceProcess[] = [...world.brokers];
  const admins: HttpClient[] = [...world.admins];
  try {
    const onboardStart = Date.now();
    const tenants = await onboard(world);
    const onboardSeconds = (Date.now() - onboardStart) / 1000;
    process.stdout.write(`onboarded ${tenants.length} tenants in ${onboardSeconds.toFixed(0)} s\n`);
    // Broker tokens last 15 minutes: each replica's is renewed every 10.
    const adminToken = (broker: ServiceProcess) => brokerToken(broker, TEST_ADMIN.clientId, TEST_ADMIN.clientSecret);
    const tokens = await Promise.all(brokers.map(adminToken));
    const renewal = setInterval(() => void Promise.all(brokers.map(adminToken)).then((fresh) => fresh.forEach((t, i) => (tokens[i] = t))), 10 * 60_000);
    const pools = brokers.map((broker) => new Pool(broker.url, { connections: 32 }));
    const answers: Answer[] = [];
    const ask = async (replica: number, tenantId: string, minTtlSeconds: number) => {
      const started = performance.now();
      try {
        const response = await pools[replica].request({
          path: `/v1/tenants/${tenantId}/token`,
          method: 'POST',
          headers: { authorization: `Bearer ${tokens[replica]}`, 'content-type': 'application/json' },
          body: JSON.stringify({ minTtlSeconds }),
        });
        const body = (await response.body.json()) as Record<string, unknown>;
        answers.push({
          status: response.statusCode,
          code: response.statusCode === 200 ? undefined : String(body.code),
          ms: performance.now() - started,
          expiresInSeconds: response.statusCode === 200 ? Number(body.expires_in) : undefined,
          expiresAtMs: response.statusCode === 200 ? Date.parse(String(body.expires_at)) : undefined,
          minTtlSeconds,
        });
      } catch (error) {
        answers.push({ status: 0, code: (error as Error).message.slice(0, 40), ms: performance.now() - started, minTtlSeconds });
      }
    };
    const hot = tenants.slice(0, Math.max(1, Math.floor(tenants.length / 5)));
    const hotSet = new Set(hot);
    const minTtlOf = (tenantId: string) => (hotSet.has(tenantId) ? HOT_MIN_TTL_SECONDS : MIN_TTL_SECONDS);
    // Everyone once, early on.
    const firstRoundStart = Date.now();
    await inParallel(tenants, 32, (tenantId, i) => ask(i % 3, tenantId, minTtlOf(tenantId)));
    const cold = answers.length;
    process.stdout.write(`first round: ${cold} requests in ${((Date.now() - firstRoundStart) / 1000).toFixed(0)} s\n`);
    const before = await databaseFigures(world);
    const usageBefore = brokers.map((broker) => usage(broker.pid));
    // The admin clients' broker tokens last 15 minutes, less than the run: a fresh one for each reading.
    for (const [i, broker] of brokers.entries()) admins[i] = await adminClient(broker);
    const loginsBefore = await Promise.all(admins.map((admin) => loginsByPurpose(admin)));
    const start = Date.now();
    const end = start + MINUTES * 60_000;
    let restarted = false;
    let sent = 0;
    const inFlight = new Set<Promise<void>>();
    const retiredLogins = { on_demand: 0, refresh: 0 };
    while (Date.now() < end) {
      if (!restarted && Date.now() > start + (end - start) / 2) {
        restarted = true;
        admins[2] = await adminClient(brokers[2]);
        const logins = await loginsByPurpose(admins[2]);
        retiredLogins.on_demand += logins.on_demand - loginsBefore[2].on_demand;
        retiredLogins.refresh += logins.refresh - loginsBefore[2].refresh;
        loginsBefore[2] = { on_demand: 0, refresh: 0 };
        await brokers[2].stop();
        brokers[2] = await startBroker({ databaseUrl: world.database.url, env: { ...env, MYINVOIS_SANDBOX_URL: world.simulatorProcess.url } });
        admins[2] = await adminClient(brokers[2]);
        tokens[2] = await adminToken(brokers[2]);
        pools[2] = new Pool(brokers[2].url, { connections: 32 });
        usageBefore[2] = { cpuSeconds: 0, rssMiB: usage(brokers[2].pid).rssMiB };
      }
      const due = Math.floor(((Date.now() - start) / 1000) * RPS);
      while (sent < due) {
        const tenantId = Math.random() < 0.8 ? hot[Math.floor(Math.random() * hot.length)] : tenants[Math.floor(Math.random() * tenants.length)];
        const request = ask(sent % 3, tenantId, minTtlOf(tenantId)).finally(() => inFlight.delete(request));
        inFlight.add(request);
        sent++;
      }
      await sleep(20);
    }
    await Promise.all(inFlight);
    clearInterval(renewal);
    const seconds = (Date.now() - start) / 1000;
    const after = await databaseFigures(world);
    const usageAfter = brokers.map((broker) => usage(broker.pid));
    for (const [i, broker] of brokers.entries()) admins[i] = await adminClient(broker);
    const loginsAfter = await Promise.all(admins.map((admin) => loginsByPurpose(admin)));
    const counters = await world.simulator.counters();
    const steady = answers.slice(cold);
    await report(world, {
      answers,
      steady,
      cold,
      seconds,
      before,
      after,
      usageBefore,
      usageAfter,
      loginsBefore,
      loginsAfter,
      retiredLogins,
      counters,
      onboardSeconds,
    });
    for (const pool of pools) await pool.close();
  } finally {
    for (const broker of brokers) await broker.stop();
    await world.simulatorProcess.stop();
    await world.database.drop();
  }
}

async function loginsByPurpose(admin: HttpClient): Promise<{ on_demand: number; refresh: number }> {
  return {
    on_demand: await metric(admin, 'broker_upstream_logins_total', { purpose: 'on_demand', outcome: 'success' }),
    refresh: await metric(admin, 'broker_upstream_logins_total', { purpose: 'refresh', outcome: 'success' }),
  };
}

interface Run {
  answers: Answer[];
  steady: Answer[];
  cold: number;
  seconds: number;
  before: Awaited<ReturnType<typeof databaseFigures>>;
  after: Awaited<ReturnType<typeof databaseFigures>>;
  usageBefore: Array<{ cpuSeconds: number; rssMiB: number }>;
  usageAfter: Array<{ cpuSeconds: number; rssMiB: number }>;
  loginsBefore: Array<{ on_demand: number; refresh: number }>;
  loginsAfter: Array<{ on_demand: number; refresh: number }>;
  retiredLogins: { on_demand: number; refresh: number };
  counters: Awaited<ReturnType<World['simulator']['counters']>>;
  onboardSeconds: number;
}

async function report(world: World, run: Run): Promise<void> {
  const rows: Array<[string, string, string?]> = [];
  const must = (ok: boolean) => (ok ? 'pass' : 'FAIL');
  const latencies = run.steady.map((a) => a.ms).sort((a, b) => a - b);
  const byCode = new Map<string, number>();
  for (const answer of run.answers)
    if (answer.status !== 200) byCode.set(`${answer.status} ${answer.code}`, (byCode.get(`${answer.status} ${answer.code}`) ?? 0) + 1);
  rows.push(['requests served (first round / steady)', `${run.cold} / ${run.steady.length} (${(run.steady.length / run.seconds).toFixed(0)}/s)`]);
  rows.push(['non-2xx by code', byCode.size === 0 ? '0' : [...byCode].map(([code, n]) => `${code}: ${n}`).join(', ')]);
  rows.push([
    'latency p50 / p99 / max, steady (ms)',
    `${percentile(latencies, 50).toFixed(1)} / ${percentile(latencies, 99).toFixed(1)} / ${(latencies.at(-1) ?? 0).toFixed(0)}`,
  ]);
  const now = (a: Answer) => a.expiresAtMs !== undefined && a.expiresInSeconds !== undefined;
  const short = run.answers.filter((a) => now(a) && a.expiresInSeconds! < a.minTtlSeconds).length;
  rows.push(['tokens served with less than minTtlSeconds left', String(short), must(short === 0)]);
  // expires_in is computed when the answer is made: below zero, the token had expired.
  const expired = run.answers.filter((a) => now(a) && a.expiresInSeconds! < 0).length;
  rows.push(['expired tokens served', String(expired), must(expired === 0)]);
  const steadyOnDemand = run.loginsAfter.reduce((sum, l, i) => sum + l.on_demand - run.loginsBefore[i].on_demand, 0) + run.retiredLogins.on_demand;
  const steadyRefresh = run.loginsAfter.reduce((sum, l, i) => sum + l.refresh - run.loginsBefore[i].refresh, 0) + run.retiredLogins.refresh;
  rows.push(['logins in steady state by purpose: request / refresh', `${steadyOnDemand} / ${steadyRefresh}`]);
  const logins = (await world.database.query(
    `SELECT tenant_id, extract(epoch FROM occurred_at) * 1000 AS at, details->>'purpose' AS purpose, target_id
       FROM audit_events WHERE action = 'upstream.login' AND tenant_id IS NOT NULL ORDER BY occurred_at`,
  )) as Array<{ tenant_id: string; at: string; purpose: string; target_id: string }>;
  const perKey = new Map<string, number[]>();
  for (const login of logins) perKey.set(login.tenant_id, [...(perKey.get(login.tenant_id) ?? []), Number(login.at)]);
  let duplicates = 0;
  let maxPerLifetime = 0;
  for (const times of perKey.values()) {
    for (let i = 0; i < times.length; i++) {
      const within = times.filter((t) => t >= times[i] && t < times[i] + (TTL_SECONDS * 1000) / 2).length;
      maxPerLifetime = Math.max(maxPerLifetime, within);
      if (i > 0 && times[i] - times[i - 1] < (TTL_SECONDS * 1000) / 2) duplicates++;
    }
  }
  rows.push(['logins per token key within half a lifetime (max)', String(maxPerLifetime), must(maxPerLifetime <= 1)]);
  rows.push(['duplicate logins (two for one key within half a lifetime)', String(duplicates), must(duplicates === 0)]);
  const rateLimited = run.counters.total.rateLimited ?? 0;
  rows.push(['429s from MyInvois', String(rateLimited), must(rateLimited === 0)]);
  const perMinute = new Map<string, number[]>();
  for (const login of logins) perMinute.set(login.target_id, [...(perMinute.get(login.target_id) ?? []), Number(login.at)]);
  let busiest = 0;
  for (const times of perMinute.values())
    for (let i = 0; i < times.length; i++) busiest = Math.max(busiest, times.filter((t) => t >= times[i] && t < times[i] + 60_000).length);
  rows.push(['highest logins in 60 s of one client ID (limit)', `${busiest} (${LOGIN_RATE})`]);
  const commits = (run.after.commits - run.before.commits) / run.seconds;
  rows.push(['database: commits/s (all replicas; per replica)', `${commits.toFixed(1)}; ${(commits / 3).toFixed(1)}`]);
  rows.push([
    'database: tokens rows updated/s (HOT share), inserted',
    `${((run.after.updated - run.before.updated) / run.seconds).toFixed(1)} (${(((run.after.hotUpdated - run.before.hotUpdated) / Math.max(1, run.after.updated - run.before.updated)) * 100).toFixed(0)} %), ${run.after.inserted - run.before.inserted}`,
  ]);
  rows.push(['database: commits per steady request', (commits / (run.steady.length / run.seconds)).toFixed(2)]);
  rows.push(['database: connections open at the end', String(run.after.connections)]);
  run.usageAfter.forEach((after, i) => {
    const cpu = after.cpuSeconds - run.usageBefore[i].cpuSeconds;
    rows.push([`replica ${i + 1}${i === 2 ? ' (restarted halfway)' : ''}: CPU s, RSS MiB`, `${cpu.toFixed(1)}, ${after.rssMiB}`]);
  });
  const rss = run.usageAfter[0].rssMiB;
  rows.push([
    'memory per cached token (replica 1 RSS / tenants)',
    `${((rss * 1024) / Math.max(1, TENANTS)).toFixed(1)} KiB (upper bound: RSS includes the runtime)`,
  ]);
  rows.push(['onboarding', `${(TENANTS / run.onboardSeconds).toFixed(0)} tenants/s`]);
  process.stdout.write('\n| figure | value | must |\n| --- | --- | --- |\n');
  for (const [name, value, verdict] of rows) process.stdout.write(`| ${name} | ${value} | ${verdict ?? ''} |\n`);
  const failed = rows.filter(([, , verdict]) => verdict === 'FAIL').length;
  process.stdout.write(failed === 0 ? '\nevery "must" holds\n' : `\n${failed} "must" row(s) failed\n`);
  if (failed > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
