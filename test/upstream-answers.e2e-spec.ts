import { HttpClient } from './support/http';
import { makeCredential } from './support/credentials';
import { eventually } from './support/simulator';
import { extraBroker, intermediaryTenants, startWorld, taxpayerTenant, World } from './support/world';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Short back-offs, so that an outage and its end fit in a few seconds. */
const BACKOFF = { LOGIN_BACKOFF_BASE_MS: '200', LOGIN_BACKOFF_MAX_MS: '1000' };

/** The most logins a back-off from `baseMs` doubling to `maxMs` (jitter at its shortest, -20 %) lets out within `elapsedMs`, the first included. */
function mostAttempts(elapsedMs: number, baseMs = 200, maxMs = 1000): number {
  let attempts = 1;
  for (let at = 0, step = 0; (at += 0.8 * Math.min(maxMs, baseMs * 2 ** step)) <= elapsedMs; step++) attempts++;
  return attempts;
}

interface FailedAnswer {
  at: string;
  status: number;
  correlationId: string;
  retryAfterSeconds?: number;
}

/** An audit event as the API lists it. */
interface Event {
  action: string;
  target: { id: string } | null;
  details: Record<string, any>;
}

describe('MyInvois answers as they really come', () => {
  let world: World;
  let admin: HttpClient;

  beforeAll(async () => {
    world = await startWorld({ brokers: 2, brokerEnv: { ...BACKOFF, MYINVOIS_TIMEOUT_MS: '2000' } });
    admin = world.admins[0];
  });

  afterAll(async () => {
    await world?.stop();
  });

  describe('a maintenance page never bricks a credential', () => {
    it.each([
      ['an HTML page', { kind: 'non_json', status: 403 }],
      ['an empty body', { kind: 'empty', status: 403 }],
      ['a gateway JSON body', { kind: 'gateway', status: 403 }],
    ])('answers 503 with Retry-After while MyInvois answers 403 with %s, then serves tokens again with no operator action', async (_case, fault) => {
      const { tenant, client, credential } = await taxpayerTenant(world);
      expect((await world.simulator.put(`/_sim/clients/${client.clientId}/faults`, fault)).status).toBe(200);

      // For a while: every replica, several requests, and the credential is never condemned.
      const started = Date.now();
      const answers = [];
      while (Date.now() - started < 2500) {
        answers.push(await world.admins[answers.length % 2].post(`/v1/tenants/${tenant.id}/token`, {}));
        await sleep(100);
      }
      expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 503));
      expect(answers.every((answer) => answer.body.code === 'upstream_unavailable' && Number(answer.headers.get('retry-after')) >= 1)).toBe(true);
      const during = (await admin.get(`/v1/credentials/${credential.id}`)).body;
      expect(during.status).not.toBe('invalid');
      expect(during).toMatchObject({ status: 'unverified', degraded: true, lastError: { classification: 'transient', status: 403 } });
      // Backing off, not a login per request.
      expect((await world.simulator.counters(client.clientId)).requests).toBeLessThan(answers.length);

      await world.simulator.delete(`/_sim/faults`);
      await eventually(async () => {
        expect((await world.admins[1].post(`/v1/tenants/${tenant.id}/token`, {})).status).toBe(200);
      }, 5000);
      const after = (await admin.get(`/v1/credentials/${credential.id}`)).body;
      expect(after).toMatchObject({ status: 'valid', degraded: false, degradedSince: null });

      // One episode, its start and its end.
      const events = (await admin.get(`/v1/audit-events?action=credential.*&limit=200`)).body.items.filter(
        (event: { target: { id: string } }) => event.target?.id === credential.id,
      );
      const degraded = events.filter((event: { action: string }) => event.action === 'credential.degraded');
      const restored = events.filter((event: { action: string }) => event.action === 'credential.restored');
      expect(degraded).toHaveLength(1);
      expect(restored).toHaveLength(1);
      expect(restored[0].details).toMatchObject({ degradedSince: degraded[0].details.degradedSince, durationSeconds: expect.any(Number) });
      expect(events.some((event: { action: string }) => event.action === 'credential.invalidated')).toBe(false);
    });
  });

  const failedAnswers = async (clientId: string): Promise<FailedAnswer[]> => (await world.simulator.get(`/_sim/clients/${clientId}/failures`)).body;
  const eventsOf = async (credentialId: string, action: string): Promise<Event[]> =>
    (await admin.get(`/v1/audit-events?action=${action}&limit=200`)).body.items.filter((event: Event) => event.target?.id === credentialId);

  it('backs an intermediary off per client ID: ten taxpayers behind one maintenance page send one login per back-off step, not one each', async () => {
    const setup = await intermediaryTenants(world, 10, { client: { rateLimitPerMinute: 100 }, credential: { loginRatePerMinute: 30 } });
    await world.simulator.put(`/_sim/clients/${setup.client.clientId}/faults`, { kind: 'non_json', status: 403 });
    // Until MyInvois has failed once, nothing holds logins back: the first answer starts the back-off.
    expect((await admin.post(`/v1/tenants/${setup.tenants[0].id}/token`, {})).status).toBe(503);
    const started = Date.now();
    let asked = 0;
    while (Date.now() - started < 2500 || asked < 50) {
      const answers = await Promise.all(setup.tenants.map((tenant, i) => world.admins[i % 2].post(`/v1/tenants/${tenant.id}/token`, {})));
      expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 503));
      asked += answers.length;
      await sleep(100);
    }
    // One login per step of the back-off (200 ms doubling to 1 s) after the first failure, whatever the number of taxpayers.
    const elapsed = Date.now() - started;
    const sent = (await world.simulator.counters(setup.client.clientId)).requests;
    expect(sent).toBeLessThanOrEqual(1 + mostAttempts(elapsed));
    expect(sent).toBeLessThan(asked / 5);
    expect(await eventsOf(setup.credential.id, 'credential.degraded')).toHaveLength(1);
    const budget = (await admin.get(`/v1/credentials/${setup.credential.id}/budget`)).body;
    expect(budget.consecutiveFailures).toBe(sent);

    await world.simulator.delete('/_sim/faults');
    await eventually(async () => expect((await admin.post(`/v1/tenants/${setup.tenants[0].id}/token`, {})).status).toBe(200), 5000);
    const after = await Promise.all(setup.tenants.map((tenant) => world.admins[1].post(`/v1/tenants/${tenant.id}/token`, {})));
    expect(after.map((answer) => answer.status)).toEqual(after.map(() => 200));
    expect((await admin.get(`/v1/credentials/${setup.credential.id}/budget`)).body).toMatchObject({ consecutiveFailures: 0, backingOffUntil: null });
  });

  it("keeps MyInvois's correlationId in the caller's error body, the credential, the audit event and the log line", async () => {
    const { tenant, client, credential } = await taxpayerTenant(world);
    await world.simulator.put(`/_sim/clients/${client.clientId}/faults`, { kind: 'gateway', status: 403, remaining: 1 });
    const failed = await world.admins[0].post(`/v1/tenants/${tenant.id}/token`, {});
    const [answer] = await failedAnswers(client.clientId);
    expect(answer.correlationId).toMatch(/^[A-Z0-9]{16}-\d{4}$/);
    expect(failed.status).toBe(503);
    expect(failed.body).toMatchObject({
      code: 'upstream_unavailable',
      classification: 'transient',
      upstreamError: 'gateway',
      upstreamStatus: 403,
      upstreamCorrelationId: answer.correlationId,
    });
    expect((await admin.get(`/v1/credentials/${credential.id}`)).body.lastError).toEqual({
      classification: 'transient',
      code: 'gateway',
      description: 'HTTP 403: Forbidden',
      status: 403,
      correlationId: answer.correlationId,
      at: expect.any(String),
    });
    const [event] = await eventsOf(credential.id, 'upstream.login_failed');
    expect(event.details).toMatchObject({ classification: 'transient', upstreamCorrelationId: answer.correlationId, status: 403 });
    const [degraded] = await eventsOf(credential.id, 'credential.degraded');
    expect(degraded.details).toMatchObject({ upstreamCorrelationId: answer.correlationId, upstreamStatus: 403 });
    await eventually(async () => {
      const line = world.brokers[0].logLines().find((entry) => entry.correlationId === answer.correlationId && /login of client ID/.test(String(entry.msg)));
      expect(line).toMatchObject({ credentialId: credential.id, classification: 'transient', nextAttemptInSeconds: expect.any(Number) });
    });

    // A refusal carries it too, on the 409 and on the credential.
    await eventually(async () => expect((await admin.post(`/v1/tenants/${tenant.id}/token`, {})).status).toBe(200), 5000);
    await admin.post(`/v1/tenants/${tenant.id}/token/invalidate`, {});
    await world.simulator.patch(`/_sim/clients/${client.clientId}`, { secrets: ['replaced-1', 'replaced-2'] });
    const refused = await admin.post(`/v1/tenants/${tenant.id}/token`, { scope: '' });
    const refusals = (await failedAnswers(client.clientId)).slice(-2);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'credential_invalid', upstreamError: 'invalid_client', upstreamCorrelationId: refusals[1].correlationId });
    expect((await admin.get(`/v1/credentials/${credential.id}`)).body).toMatchObject({
      status: 'invalid',
      lastError: { classification: 'refused', code: 'invalid_client', correlationId: refusals[1].correlationId },
    });
    const again = await world.admins[1].post(`/v1/tenants/${tenant.id}/token`, { scope: '' });
    expect(again.body).toMatchObject({ code: 'credential_invalid', upstreamCorrelationId: refusals[1].correlationId });
    const [invalidated] = await eventsOf(credential.id, 'credential.invalidated');
    expect(invalidated.details.upstreamCorrelationId).toBe(refusals[1].correlationId);
  });

  it('makes a credential invalid on invalid_request with "User blocked", without trying the other secret', async () => {
    const { tenant, client, credential } = await taxpayerTenant(world, { client: { blocked: true } });
    const refused = await admin.post(`/v1/tenants/${tenant.id}/token`, {});
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'credential_invalid', upstreamError: 'invalid_request', upstreamDescription: 'User blocked' });
    expect((await admin.get(`/v1/credentials/${credential.id}`)).body).toMatchObject({ status: 'invalid', degraded: false });
    // A blocked user is refused whatever the secret: one login, not two.
    expect((await world.simulator.counters(client.clientId)).requests).toBe(1);
    expect((await world.admins[1].post(`/v1/tenants/${tenant.id}/token`, {})).status).toBe(409);
    expect((await world.simulator.counters(client.clientId)).requests).toBe(1);
  });

  it('answers a taxpayer that has not authorised the intermediary with 409 and Retry-After, every time, logging in once', async () => {
    const setup = await intermediaryTenants(world, 2);
    await world.simulator.patch(`/_sim/clients/${setup.client.clientId}`, { allowedOnBehalfOf: [setup.tenants[0].tin] });
    for (const replica of [world.admins[0], world.admins[1], world.admins[0]]) {
      const refused = await replica.post(`/v1/tenants/${setup.tenants[1].id}/token`, {});
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({
        code: 'tenant_not_authorised_upstream',
        upstreamError: 'unauthorized_client',
        upstreamCorrelationId: expect.any(String),
      });
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(200);
    }
    expect((await world.simulator.counters(setup.client.clientId)).requests).toBe(1);
    // The other taxpayers of the intermediary are not held back, and the credential is not blamed.
    expect((await admin.post(`/v1/tenants/${setup.tenants[0].id}/token`, {})).status).toBe(200);
    expect((await admin.get(`/v1/credentials/${setup.credential.id}`)).body).toMatchObject({ status: 'valid', degraded: false, lastError: null });
  });

  describe('token claims of both shapes', () => {
    it.each(['2025', '2024'] as const)('reports the right TIN of a %s token in verification, a taxpayer and an intermediary alike', async (tokenShape) => {
      const taxpayer = await taxpayerTenant(world, { client: { tokenShape } });
      const verified = await admin.post(`/v1/credentials/${taxpayer.credential.id}/verify`, {});
      expect(verified.body).toMatchObject({
        status: 'valid',
        tinClaim: taxpayer.tenant.tin,
        tinMatches: true,
        claims: { taxpayerTin: taxpayer.tenant.tin, isIntermediary: false, intermediaryTin: null, intermediaryRob: null, scopes: ['InvoicingAPI'] },
      });
      expect(verified.body.claims.audience).toHaveLength(tokenShape === '2024' ? 2 : 1);

      const intermediary = await intermediaryTenants(world, 1, { client: { tokenShape } });
      const onBehalf = await admin.post(`/v1/credentials/${intermediary.credential.id}/verify`, { tenantId: intermediary.tenants[0].id });
      expect(onBehalf.body).toMatchObject({
        status: 'valid',
        tinClaim: intermediary.tenants[0].tin,
        tinMatches: true,
        claims: {
          taxpayerTin: intermediary.tenants[0].tin,
          isIntermediary: true,
          intermediaryTin: intermediary.client.tin,
          // IntermedROB is a 2025 claim.
          intermediaryRob: tokenShape === '2025' ? intermediary.client.brn : null,
        },
      });
    });
  });

  describe('request errors back off', () => {
    it('logs in for an invalid_request no more often than the exponential back-off allows over 20 s of steady requests, and logs once per step', async () => {
      const { broker, admin: replica } = await extraBroker(world, { LOGIN_BACKOFF_BASE_MS: '1000', LOGIN_BACKOFF_MAX_MS: '60000', REFRESH_ENABLED: 'false' });
      try {
        // The simulator knows this client as an intermediary, the broker as a taxpayer: no onbehalfof is sent, MyInvois says invalid_request.
        const { tenant, client, credential } = await taxpayerTenant(world, { client: { kind: 'intermediary', allowedOnBehalfOf: [] } });
        const started = Date.now();
        const codes = new Set<string>();
        while (Date.now() - started < 20_000) {
          const answer = await replica.post(`/v1/tenants/${tenant.id}/token`, {});
          expect(answer.status).toBe(503);
          expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
          expect(answer.body).toMatchObject({ code: 'upstream_request_refused', upstreamError: 'invalid_request', upstreamCorrelationId: expect.any(String) });
          codes.add(answer.body.upstreamCorrelationId);
          await sleep(100);
        }
        // 1 s doubling, ±20 %: attempts at about 0, 1, 3, 7 and 15 s, five at most in 20 s, each wait honoured (the gaps
        // between attempts only grow with load) and each twice the one before, as the audit log says (a flat wait fails this).
        const sent = await failedAnswers(client.clientId);
        expect(sent.length).toBeGreaterThanOrEqual(3);
        expect(sent.length).toBeLessThanOrEqual(5);
        const gaps = sent.slice(1).map((answer, i) => Date.parse(answer.at) - Date.parse(sent[i].at));
        const honoured = gaps.map((gap, i) => gap >= 0.8 * 1000 * 2 ** i - 50);
        expect({ gaps, honoured }).toEqual({ gaps, honoured: gaps.map(() => true) });
        const waits = (await eventsOf(credential.id, 'upstream.login_failed')).map((event) => event.details.nextAttemptInSeconds).reverse();
        expect(waits).toHaveLength(sent.length);
        const doubling = waits.map((wait, i) => wait >= Math.ceil(0.8 * 2 ** i) && wait <= Math.ceil(1.2 * 2 ** i));
        expect({ waits, doubling }).toEqual({ waits, doubling: waits.map(() => true) });
        // Every request between two attempts heard the last attempt's correlationId.
        expect([...codes].sort()).toEqual(sent.map((answer) => answer.correlationId).sort());
        const lines = broker.logLines().filter((line) => line.credentialId === credential.id && /login of client ID/.test(String(line.msg)));
        expect(lines).toHaveLength(sent.length);
        expect((await admin.get(`/v1/credentials/${credential.id}`)).body).toMatchObject({
          status: 'unverified',
          degraded: true,
          lastError: { classification: 'request_error', code: 'invalid_request' },
        });
      } finally {
        await broker.stop();
      }
    }, 40_000);
  });

  describe('sandbox defaults', () => {
    it('gives a sandbox credential created without loginRatePerMinute MYINVOIS_SANDBOX_LOGIN_RATE_PER_MINUTE (6), production 12', async () => {
      const sandbox = await admin.post('/v1/credentials', makeCredential({ environment: 'sandbox' }));
      const production = await admin.post('/v1/credentials', makeCredential({ environment: 'production' }));
      const chosen = await admin.post('/v1/credentials', makeCredential({ environment: 'sandbox', loginRatePerMinute: 12 }));
      expect([sandbox.body.loginRatePerMinute, production.body.loginRatePerMinute, chosen.body.loginRatePerMinute]).toEqual([6, 12, 12]);
    });
  });

  describe('the login budget, visible', () => {
    it("shows the figures of the simulator's counters, read through either replica, after logins on both and a 429", async () => {
      // The broker allows 5 a minute, MyInvois (the simulator) only 3: the fourth login meets a 429.
      const setup = await intermediaryTenants(world, 4, { client: { rateLimitPerMinute: 3 }, credential: { loginRatePerMinute: 5 } });
      for (const [i, tenant] of setup.tenants.entries()) {
        const answer = await world.admins[i % 2].post(`/v1/tenants/${tenant.id}/token`, {});
        expect(answer.status).toBe(i < 3 ? 200 : 503);
      }
      const counters = await world.simulator.counters(setup.client.clientId);
      expect(counters).toMatchObject({ requests: 4, logins: 3, rateLimited: 1 });
      const [limited] = await failedAnswers(setup.client.clientId);
      expect(limited).toMatchObject({ status: 429, retryAfterSeconds: expect.any(Number) });

      const expected = {
        limitPerMinute: 5,
        usedInWindow: counters.requests,
        pausedRetryAfterSeconds: limited.retryAfterSeconds,
        backingOffUntil: null,
        consecutiveFailures: 0,
        renewalsInProgress: 0,
        tokensInUse: counters.logins,
        tokensAtRisk: 0,
      };
      for (const replica of world.admins) {
        const budget = (await replica.get(`/v1/credentials/${setup.credential.id}/budget`)).body;
        expect(budget).toMatchObject(expected);
        // Paused until MyInvois's Retry-After, counted from the 429.
        expect(Math.abs(Date.parse(budget.pausedUntil) - (Date.parse(limited.at) + limited.retryAfterSeconds! * 1000))).toBeLessThan(1500);
        // One slot of five is left: it is free now.
        expect(Math.abs(Date.parse(budget.nextSlotAt) - Date.now())).toBeLessThan(2000);
      }
      // The list shows the same figures in each item.
      const page = (await admin.get('/v1/credentials?kind=intermediary&limit=200')).body.items;
      expect(page.find((item: { id: string }) => item.id === setup.credential.id).budget).toMatchObject(expected);
      expect(page.every((item: { budget?: unknown }) => item.budget !== undefined)).toBe(true);
      expect((await admin.get(`/v1/credentials/${setup.credential.id}`)).body.budget).toMatchObject(expected);
    });

    it('counts the tokens the budget cannot renew before they expire, and when the next slot frees', async () => {
      // Three 30-second tokens, three logins a minute: the window is spent, and the next renewals are a window away.
      const setup = await intermediaryTenants(world, 3, { client: { tokenTtlSeconds: 30, rateLimitPerMinute: 100 }, credential: { loginRatePerMinute: 3 } });
      for (const tenant of setup.tenants) expect((await admin.post(`/v1/tenants/${tenant.id}/token`, { minTtlSeconds: 5 })).status).toBe(200);
      const [first] = (await world.simulator.get(`/_sim/clients/${setup.client.clientId}/logins`)).body;
      const budget = (await admin.get(`/v1/credentials/${setup.credential.id}/budget`)).body;
      expect(budget).toMatchObject({ limitPerMinute: 3, usedInWindow: 3, tokensInUse: 3, tokensAtRisk: 3, pausedUntil: null });
      // Full: the first login has to leave the 61-second window.
      expect(Math.abs(Date.parse(budget.nextSlotAt) - (Date.parse(first.at) + 61_000))).toBeLessThan(1500);
      expect((await admin.get(`/v1/credentials/00000000-0000-4000-8000-000000000000/budget`)).status).toBe(404);
    });

    it('keeps an hour of logins and shows them per minute, by purpose, beside the limit', async () => {
      const { tenant, credential } = await taxpayerTenant(world, { credential: { loginRatePerMinute: 5 } });
      // Logins of another replica 10 minutes ago (two renewals), and one two hours ago, past the history.
      await world.database.query(
        `INSERT INTO upstream_logins (credential_id, at, purpose)
         SELECT $1, date_trunc('minute', clock_timestamp()) - make_interval(mins => ago), 'refresh' FROM unnest(ARRAY[10, 10, 120]::int[]) AS ago`,
        [credential.id],
      );
      // A login now: it takes a slot, and the budget forgets what is older than its history, not what is older than its window.
      expect((await admin.post(`/v1/tenants/${tenant.id}/token`, {})).status).toBe(200);
      const answer = await world.admins[1].get(`/v1/credentials/${credential.id}/logins`);
      expect(answer.status).toBe(200);
      const { limitPerMinute, minutes } = answer.body as {
        limitPerMinute: number;
        minutes: Array<{ minute: string; logins: number; onDemand: number; refresh: number }>;
      };
      expect(limitPerMinute).toBe(5);
      expect(minutes).toHaveLength(60);
      expect(minutes.every((m, i) => i === 0 || Date.parse(m.minute) - Date.parse(minutes[i - 1].minute) === 60_000)).toBe(true);
      const current = Math.floor(Date.now() / 60_000) * 60_000;
      // The current minute is last (or, at a minute's turn, the one before it holds the login).
      expect(Math.abs(Date.parse(minutes[59].minute) - current)).toBeLessThanOrEqual(60_000);
      const tenAgo = minutes.find((m) => m.refresh === 2)!;
      expect(tenAgo).toMatchObject({ logins: 2, onDemand: 0, refresh: 2 });
      expect(Date.parse(minutes[59].minute) - Date.parse(tenAgo.minute)).toBeGreaterThanOrEqual(9 * 60_000);
      expect(minutes.reduce((sum, m) => sum + m.onDemand, 0)).toBe(1);
      expect(minutes.reduce((sum, m) => sum + m.logins, 0)).toBe(3);
      // The window still counts only the last 61 s.
      expect((await admin.get(`/v1/credentials/${credential.id}/budget`)).body.usedInWindow).toBe(1);
      const kept = await world.database.query<{ n: number }>('SELECT count(*)::int AS n FROM upstream_logins WHERE credential_id = $1', [credential.id]);
      expect(kept[0].n).toBe(3);
      expect((await admin.get('/v1/credentials/00000000-0000-4000-8000-000000000000/logins')).status).toBe(404);
    });

    it('lists the credentials MyInvois is failing with degraded=true', async () => {
      const { tenant, client, credential } = await taxpayerTenant(world);
      expect((await world.simulator.put(`/_sim/clients/${client.clientId}/faults`, { kind: 'non_json', status: 503 })).status).toBe(200);
      expect((await admin.post(`/v1/tenants/${tenant.id}/token`, {})).status).toBe(503);
      const degraded = (await admin.get('/v1/credentials?degraded=true&limit=200')).body.items as Array<{ id: string; degraded: boolean }>;
      expect(degraded.find((item) => item.id === credential.id)).toMatchObject({ degraded: true });
      expect(degraded.every((item) => item.degraded)).toBe(true);
      const healthy = (await admin.get('/v1/credentials?degraded=false&limit=200')).body.items as Array<{ id: string; degraded: boolean }>;
      expect(healthy.some((item) => item.id === credential.id)).toBe(false);
      expect((await admin.get('/v1/credentials?degraded=maybe')).body).toMatchObject({ code: 'validation_failed' });
    });
  });

  it('never puts a client secret into the errors it keeps: audit events, log lines, credentials, token keys', async () => {
    const secrets: string[] = (await world.simulator.get('/_sim/clients')).body.flatMap((client: { secrets: string[] }) => client.secrets);
    expect(secrets.length).toBeGreaterThan(20);
    const kept = [
      JSON.stringify(await world.database.query('SELECT * FROM audit_events')),
      JSON.stringify(await world.database.query('SELECT last_error_code, last_error_description, last_error_correlation_id FROM credentials')),
      JSON.stringify(await world.database.query('SELECT last_error_code, last_error_description, last_error_correlation_id FROM tokens')),
      (await admin.get('/v1/credentials?limit=200')).text,
      (await admin.get('/v1/tokens?limit=200')).text,
      ...world.brokers.map((broker) => broker.logs()),
    ].join('\n');
    expect(secrets.filter((secret) => kept.includes(secret))).toEqual([]);
  });
});
