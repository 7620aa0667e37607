import { Client } from 'pg';
import { brokerToken, createPrincipal } from '../support/auth';
import { HttpClient } from '../support/http';
import { ServiceProcess } from '../support/processes';
import { eventually } from '../support/simulator';
import { extraBroker, startWorld, taxpayerTenant, TaxpayerSetup, World } from '../support/world';

/** Long, so that a survivor waiting for a dead replica's lease to run out fails the bounds below. */
const LEASE_SECONDS = 30;
const DEAD_AFTER_SECONDS = 3;
const WAIT_MAX_MS = 5000;
/** Scheduling and the survivor's own login (with its audit writes) on a loaded two-core machine. */
const SLACK_MS = 3000;
const WORKERS = 12;

const ENV = {
  TOKEN_LEASE_SECONDS: String(LEASE_SECONDS),
  REPLICA_DEAD_AFTER_SECONDS: String(DEAD_AFTER_SECONDS),
  REPLICA_HEARTBEAT_INTERVAL_MS: '500',
  LOGIN_WAIT_MAX_MS: String(WAIT_MAX_MS),
};

/** What the survivor's callers saw while the victim died. */
interface Phase {
  step: string;
  requests: number;
  fiveHundreds: number;
  unexplained: string[];
  longestWaitMs: number;
  /** From the kill to the survivor's first token. */
  servedAfterKillMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a replica killed in the middle of a login', () => {
  let world: World;
  const phases: Phase[] = [];
  const setups: TaxpayerSetup[] = [];
  /** Tenants of the tests without a kill: a live holder, an audit log that cannot be written. */
  let busyTenant: TaxpayerSetup;
  let unrecordedTenant: TaxpayerSetup;
  let refreshedTenant: TaxpayerSetup;
  let survivor: HttpClient;
  let survivorAdmin: HttpClient;
  let service: { clientId: string; clientSecret: string };
  const victims: ServiceProcess[] = [];

  beforeAll(async () => {
    world = await startWorld({ brokers: 2, brokerEnv: ENV });
    for (let i = 0; i < 3; i++) setups.push(await taxpayerTenant(world));
    busyTenant = await taxpayerTenant(world);
    unrecordedTenant = await taxpayerTenant(world);
    refreshedTenant = await taxpayerTenant(world);
    const principal = await createPrincipal(world.brokers[0], world.admins[0], {
      tenantGrants: [...setups, busyTenant, unrecordedTenant, refreshedTenant].map((setup) => setup.tenant.id),
    });
    service = principal;
    survivor = new HttpClient(world.brokers[1].url).withToken(await brokerToken(world.brokers[1], service.clientId, service.clientSecret));
    survivorAdmin = world.admins[1];
  }, 120_000);

  afterAll(async () => {
    await Promise.all(victims.map((victim) => victim.kill()));
    await world?.stop();
  });

  /** A victim broker (the world's first, then new ones) with a token of the service principal. */
  async function victim(): Promise<{ broker: ServiceProcess; client: HttpClient }> {
    const broker = victims.length === 0 ? world.brokers[0] : (await extraBroker(world, ENV)).broker;
    victims.push(broker);
    return { broker, client: new HttpClient(broker.url).withToken(await brokerToken(broker, service.clientId, service.clientSecret)) };
  }

  /**
   * The victim starts a login for the tenant, held at the simulator by `fault`; once `reached`
   * says the login is at the step, the victim is killed while the survivor's callers keep asking
   * for the same tenant's token. Each caller asks again after a 503 until it has a token.
   */
  async function killDuring(
    step: string,
    setup: TaxpayerSetup,
    fault: Record<string, unknown>,
    reached: () => Promise<boolean>,
    beforeKillMs = 300,
  ): Promise<Phase> {
    const { broker, client } = await victim();
    await world.simulator.put(`/_sim/clients/${encodeURIComponent(setup.client.clientId)}/faults`, fault);
    const path = `/v1/tenants/${setup.tenant.id}/token`;
    void client.post(path, {}).catch(() => undefined);
    const deadline = Date.now() + 15_000;
    while (!(await reached())) {
      if (Date.now() > deadline) throw new Error(`the victim's login did not reach the step "${step}":\n${broker.logs().slice(-3000)}`);
      await sleep(5);
    }
    const phase: Phase = { step, requests: 0, fiveHundreds: 0, unexplained: [], longestWaitMs: 0, servedAfterKillMs: Infinity };
    let firstServedAt = 0;
    const stopAt = Date.now() + 2 * LEASE_SECONDS * 1000;
    const worker = async () => {
      while (Date.now() < stopAt) {
        const started = Date.now();
        const answer = await survivor.post(path, {});
        const waited = Date.now() - started;
        phase.requests += 1;
        phase.longestWaitMs = Math.max(phase.longestWaitMs, waited);
        if (answer.status === 200) {
          firstServedAt ||= Date.now();
          return;
        }
        if (answer.status >= 500) phase.fiveHundreds += 1;
        if (answer.status !== 503 || !answer.headers.get('retry-after')) phase.unexplained.push(`${answer.status} ${answer.text}`);
        await sleep(100);
      }
    };
    const workers = Array.from({ length: WORKERS }, worker);
    // The survivor's callers are waiting on the victim's lease before it dies.
    await sleep(beforeKillMs);
    await broker.kill();
    const killedAt = Date.now();
    await world.simulator.delete('/_sim/faults');
    await Promise.all(workers);
    // Served before the kill: the victim had stored its token already.
    phase.servedAfterKillMs = firstServedAt ? Math.max(0, firstServedAt - killedAt) : Infinity;
    phases.push(phase);
    return phase;
  }

  function expectBounded(phase: Phase): void {
    expect(phase.unexplained).toEqual([]);
    expect(phase.longestWaitMs).toBeLessThanOrEqual(WAIT_MAX_MS + SLACK_MS);
    expect(phase.servedAfterKillMs).toBeLessThanOrEqual(DEAD_AFTER_SECONDS * 1000 + WAIT_MAX_MS + SLACK_MS);
  }

  const attemptsOf = async (tenantId: string) =>
    (await world.database.query(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'upstream.login_attempt' AND tenant_id = $1`, [tenantId]))[0]
      .n as number;

  it('before the request: the attempt is on record, MyInvois not yet answering', async () => {
    const setup = setups[0];
    const phase = await killDuring('attempt recorded', setup, { kind: 'latency', latencyMs: 4000 }, async () => (await attemptsOf(setup.tenant.id)) > 0);
    expectBounded(phase);
  }, 120_000);

  it('while MyInvois is answering (the request hangs there)', async () => {
    const setup = setups[1];
    const phase = await killDuring(
      'request in flight',
      setup,
      { kind: 'hang' },
      async () => (await world.simulator.counters(setup.client.clientId)).inFlight > 0,
    );
    expectBounded(phase);
  }, 120_000);

  it('after the answer: MyInvois has issued the token', async () => {
    const setup = setups[2];
    const phase = await killDuring(
      'answered',
      setup,
      { kind: 'latency', latencyMs: 1500 },
      async () => (await world.simulator.counters(setup.client.clientId)).logins > 0,
      0,
    );
    expectBounded(phase);
  }, 120_000);

  it('accounts in the audit log for every login MyInvois saw, each attempt closed exactly once, and the chain verifies', async () => {
    const rows = await world.database.query<{ action: string; attempt: string | null; client_id: string | null; details: string }>(
      `SELECT action, details->>'attemptId' AS attempt, details->>'clientId' AS client_id, details::text AS details
         FROM audit_events WHERE action LIKE 'upstream.login%' ORDER BY seq`,
    );
    const attempts = rows.filter((row) => row.action === 'upstream.login_attempt');
    const closings = rows.filter((row) => ['upstream.login', 'upstream.login_failed', 'upstream.login_abandoned'].includes(row.action));
    const closedBy = new Map<string, string[]>();
    for (const closing of closings) closedBy.set(String(closing.attempt), [...(closedBy.get(String(closing.attempt)) ?? []), closing.action]);
    let simulatorRequests = 0;
    let simulatorLogins = 0;
    for (const setup of setups) {
      const counters = await world.simulator.counters(setup.client.clientId);
      simulatorRequests += counters.requests;
      simulatorLogins += counters.logins;
      // Every request MyInvois saw (a token or not) was on record first.
      expect(attempts.filter((attempt) => attempt.client_id === setup.client.clientId).length).toBeGreaterThanOrEqual(counters.requests);
    }
    const victimClosings = setups.map((setup) => {
      const first = attempts.find((attempt) => attempt.client_id === setup.client.clientId);
      return first ? (closedBy.get(String(first.attempt)) ?? ['none']).join('+') : 'no attempt';
    });
    const abandoned = closings.filter((row) => row.action === 'upstream.login_abandoned').length;
    const verify = await survivorAdmin.get('/v1/audit-events/verify');
    const requests = phases.reduce((sum, phase) => sum + phase.requests, 0);
    const fiveHundreds = phases.reduce((sum, phase) => sum + phase.fiveHundreds, 0);
    const longest = Math.max(...phases.map((phase) => phase.longestWaitMs));
    console.log(
      `replica-crash: ${phases.length} kills (${phases.map((p) => p.step).join(', ')}); ${requests} requests to the survivor, ${fiveHundreds} 5xx (503 + Retry-After); ` +
        `longest wait ${longest} ms; served after kill ${phases.map((p) => p.servedAfterKillMs).join('/')} ms; ` +
        `simulator ${simulatorRequests} requests, ${simulatorLogins} logins vs ${attempts.length} audited attempts; ` +
        `${closings.length} closings (${abandoned} abandoned); the victims' attempts closed by ${victimClosings.join(', ')}; verify ${verify.body.ok ? 'ok' : 'FAILED'}`,
    );

    expect(attempts.length).toBeGreaterThanOrEqual(simulatorRequests);
    for (const attempt of attempts) expect([attempt.attempt, closedBy.get(String(attempt.attempt))?.length ?? 0]).toEqual([attempt.attempt, 1]);
    for (const closing of closings) expect(attempts.some((attempt) => attempt.attempt === closing.attempt)).toBe(true);
    // Nothing secret in any of them: neither a client secret nor an access token.
    for (const setup of setups) for (const secret of setup.client.secrets) expect(rows.every((row) => !row.details.includes(secret))).toBe(true);
    expect(rows.every((row) => !/eyJ[\w-]+\.eyJ/.test(row.details))).toBe(true);
    expect(verify.body).toMatchObject({ ok: true });
    await eventually(async () => expect((await survivorAdmin.get('/health/ready')).status).toBe(200));
  }, 60_000);

  it('answers 503 token_acquisition_busy with Retry-After once LOGIN_WAIT_MAX_MS is spent waiting for a live holder', async () => {
    const { broker, admin: impatient } = await extraBroker(world, { ...ENV, LOGIN_WAIT_MAX_MS: '1000' });
    await world.simulator.put(`/_sim/clients/${encodeURIComponent(busyTenant.client.clientId)}/faults`, { kind: 'hang' });
    try {
      const holding = survivorAdmin.post(`/v1/tenants/${busyTenant.tenant.id}/token`, {});
      await eventually(async () => expect((await world.simulator.counters(busyTenant.client.clientId)).inFlight).toBe(1), 5000);
      const started = Date.now();
      const answer = await impatient.post(`/v1/tenants/${busyTenant.tenant.id}/token`, {});
      const waited = Date.now() - started;
      expect(answer.status).toBe(503);
      expect(answer.body).toMatchObject({ code: 'token_acquisition_busy' });
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(answer.headers.get('retry-after'))).toBeLessThanOrEqual(DEAD_AFTER_SECONDS);
      expect(waited).toBeGreaterThanOrEqual(1000);
      expect(waited).toBeLessThan(1000 + SLACK_MS);
      await world.simulator.delete('/_sim/faults');
      // The hung login ends by MYINVOIS_TIMEOUT_MS at the latest, with an answer either way.
      expect([200, 503]).toContain((await holding).status);
    } finally {
      await world.simulator.delete('/_sim/faults');
      await broker.stop();
    }
  }, 60_000);

  it('sends no login whose attempt cannot be written, even with AUDIT_FAIL_CLOSED=false', async () => {
    const { broker, admin: failOpen } = await extraBroker(world, { ...ENV, AUDIT_WRITE_TIMEOUT_MS: '300', AUDIT_FAIL_CLOSED: 'false' });
    const blocker = new Client({ connectionString: world.database.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT 1 FROM audit_chain WHERE id = 1 FOR UPDATE');
      const answer = await failOpen.post(`/v1/tenants/${unrecordedTenant.tenant.id}/token`, {});
      expect(answer.status).toBe(503);
      expect(answer.body).toMatchObject({ code: 'audit_unavailable' });
      expect(answer.headers.get('retry-after')).toBeTruthy();
      expect(await world.simulator.counters(unrecordedTenant.client.clientId)).toMatchObject({ requests: 0 });
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    // The key is not left leased, nor naming an attempt: the next request logs in at once.
    expect((await failOpen.post(`/v1/tenants/${unrecordedTenant.tenant.id}/token`, {})).status).toBe(200);
    const [row] = await world.database.query<{ attempt: string | null }>(`SELECT login_attempt_id AS attempt FROM tokens WHERE tenant_id = $1`, [
      unrecordedTenant.tenant.id,
    ]);
    expect(row.attempt).toBeNull();
    // A graceful stop deletes the replica's heartbeat: its keys are free at once.
    const beats = async () => (await world.database.query<{ n: number }>('SELECT count(*)::int AS n FROM replica_heartbeats'))[0].n;
    const before = await beats();
    await broker.stop();
    expect(await beats()).toBe(before - 1);
  }, 60_000);

  it("lets the refresher take a dead replica's due key over within seconds, closing its attempt as abandoned", async () => {
    expect((await survivor.post(`/v1/tenants/${refreshedTenant.tenant.id}/token`, {})).status).toBe(200);
    const attemptId = '5d1b7c38-8a5e-4c1e-9d7a-3f2b1a0c9e11';
    // As a replica leaves the row when it dies mid-renewal: leased for long, an attempt named, its heartbeat never seen.
    await world.database.query(
      `UPDATE tokens SET refresh_due_at = clock_timestamp(), last_used_at = clock_timestamp(), lease_owner = 'gone:1:000000',
              lease_id = gen_random_uuid(), lease_until = clock_timestamp() + make_interval(secs => $2), login_attempt_id = $3
        WHERE tenant_id = $1`,
      [refreshedTenant.tenant.id, LEASE_SECONDS, attemptId],
    );
    const started = Date.now();
    await eventually(async () => expect((await world.simulator.counters(refreshedTenant.client.clientId)).logins).toBe(2), DEAD_AFTER_SECONDS * 1000 + 5000);
    const tookMs = Date.now() - started;
    const [abandoned] = await world.database.query<{ actor_name: string; previous: string }>(
      `SELECT actor_name, details->>'previousHolder' AS previous FROM audit_events WHERE action = 'upstream.login_abandoned' AND details->>'attemptId' = $1`,
      [attemptId],
    );
    expect(abandoned).toMatchObject({ actor_name: 'refresher', previous: 'gone:1:000000' });
    await eventually(async () => {
      const [row] = await world.database.query<{ attempt: string | null; owner: string | null }>(
        'SELECT login_attempt_id AS attempt, lease_owner AS owner FROM tokens WHERE tenant_id = $1',
        [refreshedTenant.tenant.id],
      );
      expect(row).toEqual({ attempt: null, owner: null });
    });
    expect(tookMs).toBeLessThan(LEASE_SECONDS * 1000);
  }, 60_000);
});
