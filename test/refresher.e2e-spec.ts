import { makeCredential } from './support/credentials';
import { HttpClient } from './support/http';
import { metric } from './support/metrics';
import { ServiceProcess, startBroker } from './support/processes';
import { eventually } from './support/simulator';
import { claimsOf, extraBroker, intermediaryTenants, startWorld, taxpayerTenant, tokenKeyOf, World } from './support/world';

const TTL_SECONDS = 20;
const REFRESH_ENV = {
  REFRESH_INTERVAL_MS: '500',
  REFRESH_THRESHOLD_RATIO: '0.5',
  REFRESH_JITTER_RATIO: '0.05',
  REFRESH_ACTIVE_WINDOW_SECONDS: '30',
  REFRESH_BACKOFF_BASE_MS: '1000',
  REFRESH_BATCH_SIZE: '20',
  TOKEN_LEASE_SECONDS: '5',
  // Time here runs about 180 times faster than with MyInvois's one-hour tokens: so does the back-off after MyInvois
  // failed, and a key needs six logins a minute, not one an hour, which the sandbox's default budget (6) cannot give.
  LOGIN_BACKOFF_BASE_MS: '500',
  LOGIN_BACKOFF_MAX_MS: '2000',
  MYINVOIS_SANDBOX_LOGIN_RATE_PER_MINUTE: '12',
};

interface Served {
  tenantId: string;
  at: number;
  status: number;
  expiresAtMs?: number;
  exp?: number;
  /** What a failed request answered, to tell why. */
  error?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the refresher: three replicas, fifty tenants, short-lived tokens', () => {
  let world: World;

  beforeAll(async () => {
    world = await startWorld({ brokers: 3, brokerEnv: REFRESH_ENV, simulatorEnv: { SIMULATOR_TOKEN_TTL_SECONDS: String(TTL_SECONDS) } });
  });

  afterAll(async () => {
    await world?.stop();
  });

  it('keeps every token in use fresh with one login per lifetime, through a crash, a 503 storm and a blocked client', async () => {
    const taxpayers = await Promise.all(Array.from({ length: 30 }, () => taxpayerTenant(world)));
    const intermediaries = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        intermediaryTenants(world, 2, { withBrn: i % 2 === 0, client: { rateLimitPerMinute: 30 }, credential: { loginRatePerMinute: 30 } }),
      ),
    );
    const storm = await taxpayerTenant(world);
    const blocked = await taxpayerTenant(world);
    const unused = await taxpayerTenant(world);
    const active = [...taxpayers.map((t) => t.tenant.id), ...intermediaries.flatMap((s) => s.tenants.map((t) => t.id)), storm.tenant.id, blocked.tenant.id];
    expect(active).toHaveLength(52);

    const served: Served[] = [];
    let live = [0, 1, 2];
    const ask = async (tenantId: string, index: number) => {
      const broker = live[index % live.length];
      const response = await world.admins[broker].post(`/v1/tenants/${tenantId}/token`, { minTtlSeconds: 2 });
      served.push({
        tenantId,
        at: Date.now(),
        status: response.status,
        expiresAtMs: response.status === 200 ? Date.parse(response.body.expires_at) : undefined,
        exp: response.status === 200 ? (claimsOf(response.body.access_token).exp as number) : undefined,
        ...(response.status === 200 ? {} : { error: `${response.body.code} ${response.body.message}` }),
      });
    };

    const start = Date.now();
    await Promise.all([...active, unused.tenant.id].map((id, i) => ask(id, i)));
    let blockedAt = 0;
    let stormFrom = 0;
    let stormUntil = 0;
    let round = 0;
    while (Date.now() - start < 62_000) {
      const elapsed = Date.now() - start;
      if (!blockedAt && elapsed > 25_000) {
        blockedAt = Date.now();
        await world.simulator.patch(`/_sim/clients/${blocked.client.clientId}`, { blocked: true });
      }
      if (!stormFrom && elapsed > 28_000) {
        stormFrom = Date.now();
        await world.simulator.put(`/_sim/clients/${storm.client.clientId}/faults`, { kind: 'status', status: 503 });
      }
      if (stormFrom && !stormUntil && Date.now() - stormFrom > 5000) {
        stormUntil = Date.now();
        await world.simulator.delete('/_sim/faults');
      }
      if (live.length === 3 && elapsed > 31_000) {
        live = [0, 1];
        await world.brokers[2].kill();
      }
      round += 1;
      await Promise.all(active.map((id, i) => ask(id, i + round)));
      await sleep(400);
    }

    // Every answer was a token with life left, except the blocked tenant's once its credential was refused.
    const failures = served.filter((s) => s.status !== 200);
    const kinds = { [storm.tenant.id]: 'storm', [unused.tenant.id]: 'unused' };
    expect(failures.filter((s) => s.tenantId !== blocked.tenant.id).map((s) => ({ ...s, tenant: kinds[s.tenantId] ?? 'other' }))).toEqual([]);
    for (const s of served.filter((x) => x.status === 200)) {
      expect(s.expiresAtMs! - s.at).toBeGreaterThanOrEqual(2000 - 50);
      expect(s.exp! * 1000).toBeGreaterThan(s.at);
    }
    expect(failures.every((s) => s.at > blockedAt)).toBe(true);
    expect(served.some((s) => s.tenantId === blocked.tenant.id && s.status === 409)).toBe(true);

    // Requests logged in only the first time per key; everything else came from the refresher.
    const logins = await world.database.query<{ tenant_id: string; purpose: string }>(
      `SELECT tenant_id, details->>'purpose' AS purpose FROM audit_events WHERE action = 'upstream.login'`,
    );
    const onDemand = logins.filter((l) => l.purpose === 'on_demand');
    const onDemandPerTenant = new Map<string, number>();
    for (const l of onDemand) onDemandPerTenant.set(l.tenant_id, (onDemandPerTenant.get(l.tenant_id) ?? 0) + 1);
    const kindOf = (tenantId: string) => kinds[tenantId] ?? (tenantId === blocked.tenant.id ? 'blocked' : 'other');
    const notOnce = [...onDemandPerTenant]
      .filter(([, n]) => n !== 1)
      .map(([tenantId, n]) => ({ tenant: kindOf(tenantId), tenantId, n, served: served.filter((s) => s.tenantId === tenantId).length }));
    expect(notOnce).toEqual([]);
    expect(onDemandPerTenant.size).toBe(53);

    // At MyInvois: one login per token lifetime per key, never a 429.
    const counters = await world.simulator.counters();
    expect(counters.total.rateLimited).toBe(0);
    const loginTimes = async (clientId: string, onBehalfOf?: string) =>
      ((await world.simulator.get(`/_sim/clients/${clientId}/logins`)).body as Array<{ at: string; onBehalfOf: string | null }>)
        .filter((l) => onBehalfOf === undefined || l.onBehalfOf === onBehalfOf)
        .map((l) => Date.parse(l.at));
    const keys = [
      ...taxpayers.map((t) => ({ clientId: t.client.clientId, onBehalfOf: undefined as string | undefined })),
      ...intermediaries.flatMap((s) => s.tenants.map((t) => ({ clientId: s.client.clientId, onBehalfOf: t.onBehalfOf }))),
    ];
    for (const key of keys) {
      const times = await loginTimes(key.clientId, key.onBehalfOf);
      expect(times.length).toBeGreaterThanOrEqual(6);
      const gaps = times.slice(1).map((t, i) => t - times[i]);
      expect({ key, shortest: Math.min(...gaps) >= 8000, longest: Math.max(...gaps) < (TTL_SECONDS - 2) * 1000 }).toEqual({
        key,
        shortest: true,
        longest: true,
      });
    }

    // The storm was ridden out on the old token, and renewal resumed afterwards.
    const stormTimes = await loginTimes(storm.client.clientId);
    expect(stormTimes.some((t) => t > stormUntil)).toBe(true);
    expect(served.filter((s) => s.tenantId === storm.tenant.id).every((s) => s.status === 200)).toBe(true);

    // The blocked client was tried once after the block (a blocked user is refused whatever the secret), then never again.
    const blockedCounters = await world.simulator.counters(blocked.client.clientId);
    expect(blockedCounters.failures).toBe(1);
    expect((await world.admins[0].get(`/v1/credentials/${blocked.credential.id}`)).body).toMatchObject({
      status: 'invalid',
      lastErrorCode: 'invalid_request',
      lastErrorDescription: 'User blocked',
    });

    // The tenant asked once stops being renewed once it leaves the active window.
    // Measured from its one use, not from the test's start: under load the first round of requests takes seconds.
    const unusedUsedAt = served.find((s) => s.tenantId === unused.tenant.id)!.at;
    const unusedTimes = await loginTimes(unused.client.clientId);
    expect(unusedTimes.filter((t) => t >= unusedUsedAt + 30_000 + 2000).map((t) => t - unusedUsedAt)).toEqual([]);

    // The admin view shows the keys, never a token.
    const view = await world.admins[0].get(`/v1/tokens?credentialId=${blocked.credential.id}`);
    expect(view.body.items).toHaveLength(1);
    expect(JSON.stringify(view.body)).not.toMatch(/eyJ/);

    const verified = await world.admins[0].get('/v1/audit-events/verify');
    expect(verified.body.ok).toBe(true);
  }, 180_000);
});

describe('the refresher, one state at a time', () => {
  let world: World;
  let admin: HttpClient;

  beforeAll(async () => {
    world = await startWorld({
      brokers: 1,
      brokerEnv: { ...REFRESH_ENV, REFRESH_ENABLED: 'false' },
      simulatorEnv: { SIMULATOR_TOKEN_TTL_SECONDS: '12' },
    });
    admin = world.admins[0];
  });

  afterAll(async () => {
    await world?.stop();
  });

  it('lists token keys as fresh, due, failing and expired, filtered by state and tenant, with pagination', async () => {
    const a = await taxpayerTenant(world);
    const b = await taxpayerTenant(world);
    await admin.post(`/v1/tenants/${a.tenant.id}/token`, { minTtlSeconds: 1 });
    await admin.post(`/v1/tenants/${b.tenant.id}/token`, { minTtlSeconds: 1 });
    const state = async (tenantId: string) => (await admin.get(`/v1/tokens?tenantId=${tenantId}`)).body.items[0].state;
    expect(await state(a.tenant.id)).toBe('fresh');
    await sleep(6500);
    expect(await state(a.tenant.id)).toBe('due');
    expect((await admin.get('/v1/tokens?state=due')).body.items.map((i: { tenantId: string }) => i.tenantId)).toEqual(
      expect.arrayContaining([a.tenant.id, b.tenant.id]),
    );
    // A failed login leaves the old token in place and shows the failure.
    await world.simulator.put(`/_sim/clients/${b.client.clientId}/faults`, { kind: 'status', status: 503 });
    await admin.post(`/v1/tenants/${b.tenant.id}/token`, { minTtlSeconds: 10 });
    const failing = (await admin.get(`/v1/tokens?tenantId=${b.tenant.id}`)).body.items[0];
    expect(failing).toMatchObject({ state: 'failing', failures: 1, lastErrorCode: expect.any(String), nextAttemptAt: expect.any(String) });
    await world.simulator.delete('/_sim/faults');
    await sleep(6000);
    expect(await state(a.tenant.id)).toBe('expired');
    const page = await admin.get('/v1/tokens?limit=1');
    expect(page.body.items).toHaveLength(1);
    expect((await admin.get(`/v1/tokens?limit=1&cursor=${page.body.nextCursor}`)).body.items[0].credentialId).not.toBe(page.body.items[0].credentialId);
    for (const query of ['state=stale', 'tenantId=x', 'cursor=zzz']) expect((await admin.get(`/v1/tokens?${query}`)).status).toBe(400);
  });

  it('refuses a crafted cursor with 400 naming cursor, never a 500', async () => {
    const valid = { createdAt: new Date().toISOString(), credentialId: '7a1f2d9e-0000-4000-8000-000000000000', onBehalfOf: '', scope: 'InvoicingAPI' };
    const cursor = (fields: Record<string, unknown>) => Buffer.from(JSON.stringify({ ...valid, ...fields })).toString('base64url');
    expect((await admin.get(`/v1/tokens?cursor=${cursor({})}`)).status).toBe(200);
    for (const crafted of [
      { credentialId: '-'.repeat(36) },
      { createdAt: '1' },
      { createdAt: '2020-02-31T00:00:00.000Z' },
      { createdAt: '2020-13-01T00:00:00.000Z' },
      { createdAt: 'Tue, 01 Jan 2030 00:00:00 GMT' },
      { onBehalfOf: 'C1234567890\u0000' },
      { scope: 'Invoicing\u0000API' },
      { scope: 7 },
    ]) {
      const response = await admin.get(`/v1/tokens?cursor=${cursor(crafted)}`);
      expect({ crafted, status: response.status, fields: response.body.errors?.map((e: { field: string }) => e.field) }).toEqual({
        crafted,
        status: 400,
        fields: ['cursor'],
      });
    }
  });

  it('releases the leases of a replica that is stopped, mid-refresh, those it had not started included', async () => {
    const env = { MYINVOIS_SANDBOX_URL: world.simulatorProcess.url, ...REFRESH_ENV, REFRESH_ENABLED: 'true', SHUTDOWN_GRACE_MS: '20000' };
    const { tenant, client } = await taxpayerTenant(world);
    await admin.post(`/v1/tenants/${tenant.id}/token`, { minTtlSeconds: 1 });
    // Two keys of one client ID, renewed one after the other; the first renewal is still under way when the replica stops, and completes.
    const slow = await intermediaryTenants(world, 2);
    for (const t of slow.tenants) await admin.post(`/v1/tenants/${t.id}/token`, { minTtlSeconds: 1 });
    const tenantIds = [tenant.id, ...slow.tenants.map((t) => t.id)];
    // MyInvois never answers the taxpayer: that refresh is still in flight when the replica stops.
    await world.simulator.put(`/_sim/clients/${client.clientId}/faults`, { kind: 'hang' });
    await world.simulator.put(`/_sim/clients/${slow.client.clientId}/faults`, { kind: 'latency', latencyMs: 1500 });
    await world.database.query('UPDATE tokens SET refresh_due_at = now() WHERE tenant_id = ANY($1)', [tenantIds]);
    const refresher: ServiceProcess = await startBroker({ databaseUrl: world.database.url, env });
    try {
      // Wait until both logins are under way.
      await eventually(async () => {
        expect((await admin.get(`/v1/tokens?tenantId=${tenant.id}`)).body.items[0].state).toBe('refreshing');
        expect((await world.simulator.counters(slow.client.clientId)).inFlight).toBe(1);
      }, 10_000);
      const stopping = Date.now();
      expect(await refresher.stop()).toBe(0);
      expect(Date.now() - stopping).toBeLessThan(8000);
      const rows = await world.database.query<{ tenant_id: string; lease_owner: string | null; failures: number }>(
        'SELECT tenant_id, lease_owner, failures FROM tokens WHERE tenant_id = ANY($1)',
        [tenantIds],
      );
      // Handed back, not counted as failures: another replica takes them on its next round.
      expect(rows.map(({ lease_owner, failures }) => ({ lease_owner, failures }))).toEqual(tenantIds.map(() => ({ lease_owner: null, failures: 0 })));
      // The slow client ID's first key was renewed; the second was not started after the stop.
      const renewals = ((await world.simulator.get(`/_sim/clients/${slow.client.clientId}/logins`)).body as unknown[]).length - slow.tenants.length;
      expect(renewals).toBe(1);
    } finally {
      await world.simulator.delete('/_sim/faults');
      await refresher.stop();
    }
  });

  it('confirms each lease right before its login, so a batch that outlives its leases never logs in twice for a key', async () => {
    const setup = await intermediaryTenants(world, 3);
    for (const t of setup.tenants) expect((await admin.post(`/v1/tenants/${t.id}/token`, { minTtlSeconds: 1 })).status).toBe(200);
    const started = Date.now();
    // Each renewal takes 4 s. The first replica finds all three due at once and leases them for 5 s:
    // by the time it reaches the third, that lease has run out and the second replica has taken the key.
    await world.simulator.put(`/_sim/clients/${setup.client.clientId}/faults`, { kind: 'latency', latencyMs: 4000 });
    // All three due (half of their 12 s) before the first replica looks.
    await sleep(6500);
    const first = await extraBroker(world, REFRESH_ENV);
    const second = await extraBroker(world, REFRESH_ENV);
    try {
      const renewals = async (onBehalfOf: string) =>
        ((await world.simulator.get(`/_sim/clients/${setup.client.clientId}/logins`)).body as Array<{ at: string; onBehalfOf: string }>)
          .filter((login) => login.onBehalfOf === onBehalfOf && Date.parse(login.at) > started)
          .map((login) => Date.parse(login.at));
      await eventually(async () => {
        for (const t of setup.tenants) expect((await renewals(t.onBehalfOf)).length).toBeGreaterThan(0);
      }, 25_000);
      await sleep(5000);
      // Renewals of a key come a token's half-life apart (about 6 s), never two at once.
      for (const { onBehalfOf } of setup.tenants) {
        const times = await renewals(onBehalfOf);
        const closest = Math.min(...times.slice(1).map((t, i) => t - times[i]));
        expect({ onBehalfOf, twoAtOnce: closest < 4000 }).toEqual({ onBehalfOf, twoAtOnce: false });
      }
      // The first replica found the third key taken when it got to it, and left it.
      expect(await metric(first.admin, 'broker_refreshes_total', { outcome: 'skipped' })).toBeGreaterThanOrEqual(1);
    } finally {
      await world.simulator.delete('/_sim/faults');
      await Promise.all([first.broker.stop(), second.broker.stop()]);
    }
  });

  it("gives back a client ID's other leases at once when its login fails, instead of trying each in the same round", async () => {
    const setup = await intermediaryTenants(world, 3);
    for (const t of setup.tenants) expect((await admin.post(`/v1/tenants/${t.id}/token`, { minTtlSeconds: 1 })).status).toBe(200);
    await world.simulator.put(`/_sim/clients/${setup.client.clientId}/faults`, { kind: 'hang' });
    await world.database.query('UPDATE tokens SET refresh_due_at = now() WHERE credential_id = $1', [setup.credential.id]);
    // Logins give up after 1.5 s; rounds 2.5 s apart, so that what one round did is not mistaken for the next.
    const refresher = await extraBroker(world, { ...REFRESH_ENV, MYINVOIS_TIMEOUT_MS: '1500', REFRESH_INTERVAL_MS: '2500' });
    try {
      const keys = async () => (await admin.get(`/v1/tokens?credentialId=${setup.credential.id}`)).body.items as Array<{ state: string; failures: number }>;
      // The round's first login times out; the two other keys are free again right after, for requests or a later round.
      await eventually(async () => {
        const now = await keys();
        expect(now.map((k) => k.failures).sort()).toEqual([0, 0, 1]);
        expect(now.filter((k) => k.state === 'refreshing')).toEqual([]);
      }, 10_000);
      expect((await world.simulator.counters(setup.client.clientId)).requests).toBe(setup.tenants.length + 1);
    } finally {
      await world.simulator.delete('/_sim/faults');
      await refresher.broker.stop();
    }
  });

  it('does not renew a key whose tenant was suspended after the key was leased', async () => {
    const setup = await intermediaryTenants(world, 2);
    const [other, suspended] = setup.tenants;
    // The second token expires a second later (`exp` is in whole seconds): its key comes second in the client ID's turn.
    expect((await admin.post(`/v1/tenants/${other.id}/token`, { minTtlSeconds: 1 })).status).toBe(200);
    await sleep(1100);
    expect((await admin.post(`/v1/tenants/${suspended.id}/token`, { minTtlSeconds: 1 })).status).toBe(200);
    // Long enough that the suspension lands while the first renewal is still under way, however loaded the machine.
    await world.simulator.put(`/_sim/clients/${setup.client.clientId}/faults`, { kind: 'latency', latencyMs: 4000 });
    await world.database.query('UPDATE tokens SET refresh_due_at = now() WHERE credential_id = $1', [setup.credential.id]);
    const renewals = async (onBehalfOf: string) =>
      ((await world.simulator.get(`/_sim/clients/${setup.client.clientId}/logins`)).body as Array<{ onBehalfOf: string }>).filter(
        (l) => l.onBehalfOf === onBehalfOf,
      ).length - 1;
    const refresher = await extraBroker(world, REFRESH_ENV);
    try {
      // Both keys are leased and the first renewal is under way: the second tenant is suspended now.
      await eventually(async () => expect((await world.simulator.counters(setup.client.clientId)).inFlight).toBe(1), 5000);
      expect((await admin.patch(`/v1/tenants/${suspended.id}`, { status: 'suspended' })).status).toBe(200);
      await eventually(async () => expect(await renewals(other.onBehalfOf)).toBe(1), 10_000);
      // Its lease goes back once its turn comes, without a login.
      await eventually(async () => expect((await tokenKeyOf(admin, suspended.id))?.leaseOwner).toBeNull(), 10_000);
      expect(await renewals(suspended.onBehalfOf)).toBe(0);
      expect(await metric(refresher.admin, 'broker_refreshes_total', { outcome: 'skipped' })).toBeGreaterThanOrEqual(1);
    } finally {
      await world.simulator.delete('/_sim/faults');
      await refresher.broker.stop();
    }
  });

  it('lets a request log in as soon as MyInvois allows, however long the refresher backs off', async () => {
    const { tenant, client } = await taxpayerTenant(world, { client: { tokenTtlSeconds: 8 } });
    const first = (await admin.post(`/v1/tenants/${tenant.id}/token`, { minTtlSeconds: 1 })).body.access_token;
    await world.simulator.put(`/_sim/clients/${client.clientId}/faults`, { kind: 'status', status: 503 });
    const refresher = await extraBroker(world, { ...REFRESH_ENV, REFRESH_BACKOFF_BASE_MS: '120000' });
    try {
      await eventually(async () => expect((await tokenKeyOf(admin, tenant.id))?.failures).toBe(1), 10_000);
      expect(Date.parse((await tokenKeyOf(admin, tenant.id))!.nextAttemptAt) - Date.now()).toBeGreaterThan(60_000);
      await world.simulator.delete('/_sim/faults');
      // The outage is over and the token has lapsed; MyInvois asked for no wait, so a request waits only briefly.
      await sleep(5500);
      const asked = await admin.post(`/v1/tenants/${tenant.id}/token`, { minTtlSeconds: 1 });
      expect(asked.status).toBe(200);
      expect(asked.body.access_token).not.toBe(first);
    } finally {
      await world.simulator.delete('/_sim/faults');
      await refresher.broker.stop();
    }
  });

  it('renews other client IDs while one has no budget left, and forecasts its lapses until its tenants are suspended', async () => {
    // Four logins a minute, all spent on the first tokens: none is left to renew them before they expire.
    const starved = await intermediaryTenants(world, 4, { client: { tokenTtlSeconds: 40 }, credential: { loginRatePerMinute: 4 } });
    for (const t of starved.tenants) expect((await admin.post(`/v1/tenants/${t.id}/token`, { minTtlSeconds: 1 })).status).toBe(200);
    const other = await taxpayerTenant(world, { client: { tokenTtlSeconds: 12 } });
    expect((await admin.post(`/v1/tenants/${other.tenant.id}/token`, { minTtlSeconds: 1 })).status).toBe(200);
    // Batches of two: the starved client ID's tokens expire first, and would fill every batch.
    const refresher = await extraBroker(world, { ...REFRESH_ENV, REFRESH_BATCH_SIZE: '2' });
    const atRisk = () => metric(refresher.admin, 'broker_refresh_tokens_at_risk', { client_id: starved.client.clientId });
    try {
      await eventually(async () => expect((await world.simulator.counters(other.client.clientId)).logins).toBe(2), 12_000);
      expect(await world.simulator.counters(starved.client.clientId)).toMatchObject({ requests: 4, rateLimited: 0 });
      // All four will lapse: the logins already made this minute leave no slot before they expire. The forecast
      // follows the round's renewals: on a slow start the first round is the one that renews `other`.
      await eventually(async () => expect(await atRisk()).toBe(4), 5000);
      await refresher.broker.waitForLog(new RegExp(`login budget of client ID ${starved.client.clientId} cannot renew 4 token`));
      // Its tenants are suspended: their tokens (still valid) are nobody's to renew, so the client ID leaves the forecast and its gauge goes, at the next forecast.
      for (const t of starved.tenants) expect((await admin.patch(`/v1/tenants/${t.id}`, { status: 'suspended' })).status).toBe(200);
      await eventually(async () => expect(await atRisk()).toBe(0), 20_000);
    } finally {
      await refresher.broker.stop();
    }
  });

  it('announces expiring secrets once a day, in the audit log and the log, however many replicas start', async () => {
    const soon = new Date(Date.now() + 5 * 86_400_000).toISOString();
    const created = await admin.post('/v1/credentials', makeCredential({ secretExpiresAt: soon }));
    await admin.post('/v1/credentials', makeCredential({ secretExpiresAt: new Date(Date.now() + 90 * 86_400_000).toISOString() }));
    const env = { MYINVOIS_SANDBOX_URL: world.simulatorProcess.url, REFRESH_ENABLED: 'false' };
    const replicas = await Promise.all([startBroker({ databaseUrl: world.database.url, env }), startBroker({ databaseUrl: world.database.url, env })]);
    try {
      await sleep(1000);
      const events = await world.database.query<{ target_id: string }>(`SELECT target_id FROM audit_events WHERE action = 'credential.secret_expiring'`);
      expect(events.map((e) => e.target_id)).toEqual([created.body.id]);
      expect(replicas.map((r) => r.logs()).join('\n')).toMatch(new RegExp(`client ID ${created.body.clientId} expire in [45] day`));
    } finally {
      await Promise.all(replicas.map((r) => r.stop()));
    }
  });
});

describe('the refresher, ahead of its callers', () => {
  const LIFETIME_SECONDS = 30;
  let world: World;

  beforeAll(async () => {
    // The threshold leaves 7.5 s of a 30 s token; the caller asks for 10 s, the default minimum is 3 s.
    world = await startWorld({
      brokers: 1,
      brokerEnv: {
        ...REFRESH_ENV,
        REFRESH_THRESHOLD_RATIO: '0.25',
        TOKEN_MIN_TTL_SECONDS: '3',
        TOKEN_INVALIDATE_COOLDOWN_SECONDS: '5',
        MYINVOIS_TIMEOUT_MS: '4000',
      },
      simulatorEnv: { SIMULATOR_TOKEN_TTL_SECONDS: String(LIFETIME_SECONDS) },
    });
  });

  afterAll(async () => {
    await world?.stop();
  });

  it('renews a key before a caller with minTtlSeconds above the threshold would refuse it: in steady state requests make no logins', async () => {
    const { tenant } = await taxpayerTenant(world);
    const admin = world.admins[0];
    // The first request knows no caller's minimum yet; the next ones raise it.
    expect((await admin.post(`/v1/tenants/${tenant.id}/token`, {})).status).toBe(200);
    const end = Date.now() + 2.2 * LIFETIME_SECONDS * 1000;
    const failures: string[] = [];
    while (Date.now() < end) {
      const response = await admin.post(`/v1/tenants/${tenant.id}/token`, { minTtlSeconds: 10 });
      if (response.status !== 200) failures.push(`${response.status} ${response.body.code}`);
      await sleep(400);
    }
    expect(failures).toEqual([]);
    const onDemand = await metric(admin, 'broker_upstream_logins_total', { purpose: 'on_demand', outcome: 'success' });
    const refreshes = await metric(admin, 'broker_upstream_logins_total', { purpose: 'refresh', outcome: 'success' });
    // The one cold login, then only the refresher's.
    expect({ onDemand, refreshes: refreshes >= 2 }).toEqual({ onDemand: 1, refreshes: true });
  }, 120_000);
});
