import { Client } from 'pg';
import { request } from 'undici';
import { brokerToken, createPrincipal } from './support/auth';
import { makeTenant } from './support/factories';
import { HttpClient } from './support/http';
import { metric } from './support/metrics';
import { TEST_ADMIN } from './support/processes';
import { eventually } from './support/simulator';
import { claimsOf, extraBroker, intermediaryTenants, startWorld, taxpayerTenant, tokenKeyOf, World } from './support/world';

async function logins(world: World, clientId: string): Promise<number> {
  return (await world.simulator.counters(clientId)).logins;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Holds the audit chain's lock, as a slow group commit would: audit writes wait until the returned release. */
async function holdAuditChain(world: World): Promise<() => Promise<void>> {
  const blocker = new Client({ connectionString: world.database.url });
  await blocker.connect();
  await blocker.query('BEGIN');
  await blocker.query('SELECT 1 FROM audit_chain WHERE id = 1 FOR UPDATE');
  return async () => {
    try {
      await blocker.query('COMMIT');
    } finally {
      await blocker.end();
    }
  };
}

/** Until the credential's login attempts on the audit log number `count`: they are committed before each request goes out. */
async function attemptsOnRecord(world: World, credentialId: string, count: number): Promise<void> {
  await eventually(async () => {
    const [row] = await world.database.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_events WHERE action = 'upstream.login_attempt' AND target_id = $1`,
      [credentialId],
    );
    expect(row.n).toBe(count);
  }, 3000);
}

describe('tokens for internal services', () => {
  let world: World;
  let admin: HttpClient;
  const seenTokens: string[] = [];

  const requestToken = async (client: HttpClient, tenantId: string, body: Record<string, unknown> = {}) => {
    const response = await client.post(`/v1/tenants/${tenantId}/token`, body);
    if (response.status === 200) seenTokens.push(response.body.access_token);
    return response;
  };

  beforeAll(async () => {
    // A generous audit timeout: one test holds the audit chain for a few seconds.
    world = await startWorld({
      brokers: 2,
      brokerEnv: { MYINVOIS_TIMEOUT_MS: '1500', TOKEN_INVALIDATE_COOLDOWN_SECONDS: '2', AUDIT_WRITE_TIMEOUT_MS: '15000' },
    });
    admin = world.admins[0];
  });

  afterAll(async () => {
    await world?.stop();
  });

  it('logs in once for a taxpayer and serves the token from memory afterwards', async () => {
    const { tenant, client } = await taxpayerTenant(world);
    const first = await requestToken(admin, tenant.id);
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-store');
    expect(first.body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: expect.any(Number),
      expires_at: expect.any(String),
      scope: 'InvoicingAPI',
    });
    expect(first.body.expires_in).toBeGreaterThan(3500);
    expect(claimsOf(first.body.access_token)).toMatchObject({ TaxpayerTIN: tenant.tin, client_id: client.clientId });
    for (let i = 0; i < 5; i++) expect((await requestToken(admin, tenant.id)).body.access_token).toBe(first.body.access_token);
    expect(await logins(world, client.clientId)).toBe(1);
  });

  it('shares the token with another replica through the table, without a second login', async () => {
    const { tenant, client } = await taxpayerTenant(world);
    const onA = await requestToken(world.admins[0], tenant.id);
    const onB = await requestToken(world.admins[1], tenant.id);
    expect(onB.body.access_token).toBe(onA.body.access_token);
    expect(await logins(world, client.clientId)).toBe(1);
  });

  it('logs an intermediary in on behalf of each taxpayer, by TIN and by TIN:BRN, one token per taxpayer', async () => {
    const byTin = await intermediaryTenants(world, 2);
    const byTinBrn = await intermediaryTenants(world, 1, { withBrn: true });
    const tokens = await Promise.all([...byTin.tenants, ...byTinBrn.tenants].map((t) => requestToken(admin, t.id)));
    expect(tokens.every((t) => t.status === 200)).toBe(true);
    expect(new Set(tokens.map((t) => t.body.access_token)).size).toBe(3);
    expect(claimsOf(tokens[0].body.access_token)).toMatchObject({ TaxpayerTIN: byTin.tenants[0].tin, IsIntermediary: '1' });
    expect(claimsOf(tokens[2].body.access_token)).toMatchObject({ TaxpayerTIN: byTinBrn.tenants[0].tin });
    const sent = (await world.simulator.get(`/_sim/clients/${byTinBrn.client.clientId}/logins`)).body;
    expect(sent.map((l: { onBehalfOf: string }) => l.onBehalfOf)).toEqual([`${byTinBrn.tenants[0].tin}:${byTinBrn.tenants[0].brn}`]);
    expect(await logins(world, byTin.client.clientId)).toBe(2);
  });

  it('keeps scopes apart: a token without scope is another key', async () => {
    const { tenant, client } = await taxpayerTenant(world);
    const scoped = await requestToken(admin, tenant.id, { scope: 'InvoicingAPI' });
    const unscoped = await requestToken(admin, tenant.id, { scope: '' });
    expect(unscoped.body.access_token).not.toBe(scoped.body.access_token);
    expect(await logins(world, client.clientId)).toBe(2);
    expect((await requestToken(admin, tenant.id, { scope: 'Other' })).status).toBe(400);
  });

  it('falls back to the second secret, remembers it, and never sends the refused one again', async () => {
    const { tenant, client, credential } = await taxpayerTenant(world, { credential: { clientSecret: 'a-wrong-first-secret' } });
    expect((await requestToken(admin, tenant.id)).status).toBe(200);
    const counters = await world.simulator.counters(client.clientId);
    expect(counters).toMatchObject({ logins: 1, failures: 1 });
    const sent = (await world.simulator.get(`/_sim/clients/${client.clientId}/logins`)).body;
    expect(sent[0].secret).toBe(2);
    expect((await admin.get(`/v1/credentials/${credential.id}`)).body.status).toBe('valid');
    // The next login (a new key: no scope) goes straight to the secret that works.
    await requestToken(admin, tenant.id, { scope: '' });
    expect(await world.simulator.counters(client.clientId)).toMatchObject({ logins: 2, failures: 1 });
  });

  it('remembers a refused secret even when the attempt with the other one never happens, and does not send it again', async () => {
    const { tenant, client, credential } = await taxpayerTenant(world, { credential: { clientSecret: 'a-refused-first-secret', loginRatePerMinute: 1 } });
    // One login a minute: the refused first secret takes it, and the second would wait longer than a request may.
    const spent = await requestToken(admin, tenant.id);
    expect(spent.status).toBe(503);
    expect(spent.body.code).toBe('login_budget_exhausted');
    expect(await world.simulator.counters(client.clientId)).toMatchObject({ requests: 1, failures: 1 });
    await admin.patch(`/v1/credentials/${credential.id}`, { loginRatePerMinute: 12 });
    expect((await requestToken(world.admins[1], tenant.id)).status).toBe(200);
    expect(await world.simulator.counters(client.clientId)).toMatchObject({ requests: 2, failures: 1, logins: 1 });
    expect((await world.simulator.get(`/_sim/clients/${client.clientId}/logins`)).body[0].secret).toBe(2);
  });

  it('decides which secret to send after waiting for a slot: a login that waited never sends a secret refused meanwhile', async () => {
    const setup = await intermediaryTenants(world, 2, {
      credential: { clientSecret: 'refused-one-x', secondaryClientSecret: 'refused-two-x', loginRatePerMinute: 3 },
    });
    // The budget was spent just under a minute ago: its slots come free in 2, 2.5 and 3 s, one login at a time.
    await world.database.query(
      `INSERT INTO upstream_logins (credential_id, at, purpose)
       SELECT $1, clock_timestamp() - make_interval(secs => ago), 'on_demand' FROM unnest(ARRAY[59, 58.5, 58]::float8[]) AS ago`,
      [setup.credential.id],
    );
    const answers = await Promise.all(setup.tenants.map((t, i) => requestToken(world.admins[i], t.id)));
    expect(answers.map((a) => a.body.code)).toEqual(['credential_invalid', 'credential_invalid']);
    // Each secret was sent once: the login that got the last slot found both refused and sent nothing.
    expect(await world.simulator.counters(setup.client.clientId)).toMatchObject({ requests: 2, failures: 2 });
  });

  it('marks a credential invalid when MyInvois refuses both secrets, and stops logging in with it until its secrets change', async () => {
    const { tenant, client, credential } = await taxpayerTenant(world, { credential: { clientSecret: 'wrong-one-x', secondaryClientSecret: 'wrong-two-x' } });
    const refused = await requestToken(admin, tenant.id);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'credential_invalid', upstreamError: 'invalid_client', upstreamDescription: expect.any(String) });
    expect(JSON.stringify(refused.body)).not.toContain('wrong-one-x');
    const state = (await admin.get(`/v1/credentials/${credential.id}`)).body;
    expect(state).toMatchObject({ status: 'invalid', lastErrorCode: 'invalid_client' });
    const before = await world.simulator.counters(client.clientId);
    expect((await requestToken(world.admins[1], tenant.id)).status).toBe(409);
    expect((await requestToken(admin, tenant.id)).status).toBe(409);
    expect(await world.simulator.counters(client.clientId)).toEqual(before);
    const events = (await admin.get(`/v1/audit-events?action=credential.invalidated`)).body.items;
    expect(events.some((e: { target: { id: string } }) => e.target.id === credential.id)).toBe(true);

    await admin.put(`/v1/credentials/${credential.id}/secrets`, { clientSecret: client.secrets[0] });
    expect((await requestToken(admin, tenant.id)).status).toBe(200);
  });

  it('keeps a refused secret known bad after a verification that logged in with the other one', async () => {
    const { tenant, client, credential } = await taxpayerTenant(world, { credential: { clientSecret: 'refused-before-verify-x' } });
    expect((await requestToken(admin, tenant.id)).status).toBe(200);
    expect((await admin.post(`/v1/credentials/${credential.id}/verify`, {})).body).toMatchObject({ status: 'valid', secretUsed: 2 });
    // The second secret is regenerated in the portal: MyInvois refuses it now, and the first is still known bad.
    await world.simulator.patch(`/_sim/clients/${client.clientId}`, { secrets: [`${client.clientId}-regenerated`] });
    expect((await requestToken(world.admins[1], tenant.id, { scope: '' })).body.code).toBe('credential_invalid');
    // The first secret was refused once, before the verification, and never sent again.
    expect(await world.simulator.counters(client.clientId)).toMatchObject({ logins: 2, failures: 2 });
  });

  it('clears only refusals of the secrets a successful login held, not those of secrets replaced meanwhile', async () => {
    const { tenant, client, credential } = await taxpayerTenant(world, { credential: { clientSecret: 'refused-before-rotation-x' } });
    // The first secret is refused, the second works and is preferred from now on.
    expect((await requestToken(admin, tenant.id)).status).toBe(200);
    // A replica whose logins may take longer than the suite's 1.5 s.
    const { broker, admin: patient } = await extraBroker(world, { REFRESH_ENABLED: 'false' });
    await world.simulator.put(`/_sim/clients/${client.clientId}/faults`, { kind: 'latency', latencyMs: 3000, remaining: 1 });
    const refusedNow = () =>
      world.database.query<{ secret: number }>(
        `SELECT r.secret FROM secret_refusals r JOIN credentials c ON c.id = r.credential_id AND c.secrets_version = r.secrets_version WHERE c.id = $1 ORDER BY r.secret`,
        [credential.id],
      );
    try {
      // A login for another key sends the second secret and waits for MyInvois...
      const slow = patient.post(`/v1/tenants/${tenant.id}/token`, { scope: '' });
      await eventually(async () => expect((await world.simulator.counters(client.clientId)).inFlight).toBe(1), 2000);
      // ...while the secrets are replaced, and a verification finds both new ones refused.
      expect((await admin.put(`/v1/credentials/${credential.id}/secrets`, { secondaryClientSecret: 'refused-after-rotation-x' })).status).toBe(200);
      expect((await world.admins[1].post(`/v1/credentials/${credential.id}/verify`, {})).body.status).toBe('invalid');
      expect(await refusedNow()).toEqual([{ secret: 1 }, { secret: 2 }]);
      // The slow login succeeds with the old second secret: the new second secret stays refused.
      expect((await slow).status).toBe(200);
      expect(await refusedNow()).toEqual([{ secret: 1 }, { secret: 2 }]);
    } finally {
      await world.simulator.delete('/_sim/faults');
      await broker.stop();
    }
  });

  it('writes a refusal down before auditing it: a login meanwhile never sends the refused secret', async () => {
    const { tenant, client, credential } = await taxpayerTenant(world, { credential: { clientSecret: 'refused-while-auditing-x' } });
    // Answered after a while: the attempt is on record before the chain is held, its answer comes while it is.
    await world.simulator.put(`/_sim/clients/${client.clientId}/faults`, { kind: 'latency', latencyMs: 800 });
    let release: (() => Promise<void>) | undefined;
    let first;
    let second;
    try {
      first = requestToken(admin, tenant.id);
      await attemptsOnRecord(world, credential.id, 1);
      release = await holdAuditChain(world);
      // The refusal is known while its audit event still waits for the chain.
      await eventually(
        async () => expect(await world.database.query('SELECT secret FROM secret_refusals WHERE credential_id = $1', [credential.id])).toEqual([{ secret: 1 }]),
        3000,
      );
      // Its secret is chosen now, while the refusal's event waits; its own attempt waits for the chain too.
      second = requestToken(world.admins[1], tenant.id, { scope: '' });
      await sleep(300);
      expect(await world.simulator.counters(client.clientId)).toMatchObject({ requests: 1, failures: 1 });
    } finally {
      await release?.();
      await world.simulator.delete('/_sim/faults');
    }
    expect([(await first).status, (await second).status]).toEqual([200, 200]);
    expect(await world.simulator.counters(client.clientId)).toMatchObject({ failures: 1, logins: 2 });
  });

  it('pauses the client ID after a 429 before auditing it: a login meanwhile sends nothing', async () => {
    const setup = await intermediaryTenants(world, 3, { client: { rateLimitPerMinute: 1 } });
    const [first, second, third] = setup.tenants;
    expect((await requestToken(admin, first.id)).status).toBe(200);
    // Answered after a while: the attempt is on record before the chain is held, the 429 comes while it is.
    await world.simulator.put(`/_sim/clients/${setup.client.clientId}/faults`, { kind: 'latency', latencyMs: 800 });
    let release: (() => Promise<void>) | undefined;
    let limited;
    try {
      limited = requestToken(admin, second.id);
      await attemptsOnRecord(world, setup.credential.id, 2);
      release = await holdAuditChain(world);
      // The pause is in force while the 429's audit event still waits for the chain.
      await eventually(async () => {
        const [budget] = await world.database.query<{ paused: boolean }>('SELECT paused_until > now() AS paused FROM login_budgets WHERE credential_id = $1', [
          setup.credential.id,
        ]);
        expect(budget?.paused).toBe(true);
      }, 3000);
      const paused = await requestToken(world.admins[1], third.id);
      expect(paused.body).toMatchObject({ code: 'login_budget_exhausted', reason: 'paused' });
      expect(await world.simulator.counters(setup.client.clientId)).toMatchObject({ requests: 2, rateLimited: 1 });
    } finally {
      await release?.();
      await world.simulator.delete('/_sim/faults');
    }
    expect((await limited).status).toBe(503);
  });

  it('says "User blocked" for a blocked client, and classifies the broker-side refusals apart', async () => {
    const blocked = await taxpayerTenant(world, { client: { blocked: true } });
    const response = await requestToken(admin, blocked.tenant.id);
    expect(response.status).toBe(409);
    expect(response.body.upstreamDescription).toBe('User blocked');

    // The simulator knows this client as an intermediary, the broker as a taxpayer: no onbehalfof is sent.
    const mismatch = await taxpayerTenant(world, { client: { kind: 'intermediary', allowedOnBehalfOf: [] } });
    const requestError = await requestToken(admin, mismatch.tenant.id);
    expect(requestError.status).toBe(503);
    expect(requestError.body).toMatchObject({ code: 'upstream_request_refused', upstreamError: 'invalid_request' });
    expect((await admin.get(`/v1/credentials/${mismatch.credential.id}`)).body.status).toBe('unverified');
  });

  it('answers an intermediary not authorised by one taxpayer without condemning the credential', async () => {
    const setup = await intermediaryTenants(world, 2);
    await world.simulator.patch(`/_sim/clients/${setup.client.clientId}`, { allowedOnBehalfOf: [setup.tenants[0].tin] });
    expect((await requestToken(admin, setup.tenants[0].id)).status).toBe(200);
    const refused = await requestToken(admin, setup.tenants[1].id);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'tenant_not_authorised_upstream', upstreamError: 'unauthorized_client' });
    expect((await admin.get(`/v1/credentials/${setup.credential.id}`)).body.status).toBe('valid');
  });

  it('serves a still valid token while MyInvois fails or hangs, and answers 503 with Retry-After when it must log in', async () => {
    const { tenant, client } = await taxpayerTenant(world);
    const token = (await requestToken(admin, tenant.id)).body.access_token;
    for (const fault of [{ kind: 'status', status: 503 }, { kind: 'hang' }]) {
      await world.simulator.put(`/_sim/clients/${client.clientId}/faults`, fault);
      expect((await requestToken(world.admins[0], tenant.id)).body.access_token).toBe(token);
      expect((await requestToken(world.admins[1], tenant.id)).body.access_token).toBe(token);
    }
    // A token without scope is not cached yet: that request needs a login, which hangs and times out.
    const started = Date.now();
    const timedOut = await requestToken(admin, tenant.id, { scope: '' });
    expect(timedOut.status).toBe(503);
    expect(timedOut.body.code).toBe('upstream_unavailable');
    expect(Number(timedOut.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(5000);
    // While it backs off, no request reaches MyInvois.
    const requests = (await world.simulator.counters(client.clientId)).requests;
    expect((await requestToken(world.admins[1], tenant.id, { scope: '' })).status).toBe(503);
    expect((await world.simulator.counters(client.clientId)).requests).toBe(requests);
    await world.simulator.delete('/_sim/faults');
  });

  it('pauses the client ID on 429 until Retry-After, for every replica and every key', async () => {
    const setup = await intermediaryTenants(world, 3, { client: { rateLimitPerMinute: 1 } });
    const [first, second, third] = setup.tenants;
    expect((await requestToken(admin, first.id)).status).toBe(200);
    const limited = await requestToken(admin, second.id);
    expect(limited.status).toBe(503);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(10);
    const before = await world.simulator.counters(setup.client.clientId);
    expect(before.rateLimited).toBe(1);
    // Another taxpayer of the same client ID, on the other replica: the pause holds, nothing is sent.
    const paused = await requestToken(world.admins[1], third.id);
    expect(paused.status).toBe(503);
    expect(paused.body).toMatchObject({ code: 'login_budget_exhausted', reason: 'paused' });
    expect(Number(paused.headers.get('retry-after'))).toBeGreaterThan(10);
    expect((await world.simulator.counters(setup.client.clientId)).requests).toBe(before.requests);
    // The cached token is still served meanwhile.
    expect((await requestToken(world.admins[1], first.id)).status).toBe(200);
  });

  it('hands out a token only with the minimum lifetime left', async () => {
    const { tenant, client } = await taxpayerTenant(world, { client: { tokenTtlSeconds: 63 } });
    const first = await requestToken(admin, tenant.id, { minTtlSeconds: 60 });
    expect(first.body.expires_in).toBeGreaterThanOrEqual(60);
    await new Promise((resolve) => setTimeout(resolve, 3500));
    const second = await requestToken(admin, tenant.id, { minTtlSeconds: 60 });
    expect(second.body.access_token).not.toBe(first.body.access_token);
    expect(second.body.expires_in).toBeGreaterThanOrEqual(60);
    expect(await logins(world, client.clientId)).toBe(2);
    const relaxed = await requestToken(admin, tenant.id, { minTtlSeconds: 10 });
    expect(relaxed.body.access_token).toBe(second.body.access_token);
    expect((await requestToken(admin, tenant.id, { minTtlSeconds: -1 })).status).toBe(400);
    expect((await requestToken(admin, tenant.id, { minTtlSeconds: 'soon' })).status).toBe(400);
  });

  it('validates a body it accepted before from memory, and refuses a bad one with the same messages every time', async () => {
    const { tenant } = await taxpayerTenant(world);
    for (let i = 0; i < 3; i++) {
      const served = await requestToken(admin, tenant.id, { minTtlSeconds: 30 });
      expect({ status: served.status, left: served.body.expires_in >= 30 }).toEqual({ status: 200, left: true });
      expect((await requestToken(admin, tenant.id, {})).status).toBe(200);
      for (const [bad, problem] of [
        [{ minTtlSeconds: 'soon' }, { field: 'minTtlSeconds', message: 'minTtlSeconds must be an integer number' }],
        [
          { minTtlSeconds: 30, extra: 1 },
          { field: 'extra', message: 'extra is not a known field' },
        ],
        [{ scope: 'Other' }, { field: 'scope', message: 'scope must be InvoicingAPI (or empty for no scope)' }],
      ] as const) {
        const refused = await requestToken(admin, tenant.id, bad);
        expect({ status: refused.status, errors: refused.body.errors }).toEqual({ status: 400, errors: [problem] });
      }
    }
  });

  it('answers a minTtlSeconds no fresh token could meet with 409, without logging in', async () => {
    const { tenant, client } = await taxpayerTenant(world, { client: { tokenTtlSeconds: 63 } });
    expect((await requestToken(admin, tenant.id)).status).toBe(200);
    const answers = [];
    for (const [i, minTtlSeconds] of [63, 100, 3000, 3540].entries()) answers.push(await requestToken(world.admins[i % 2], tenant.id, { minTtlSeconds }));
    // A key never logged in for (no scope) of the same client ID: what a login gives is known from the other.
    answers.push(await requestToken(admin, tenant.id, { scope: '', minTtlSeconds: 100 }));
    expect(await logins(world, client.clientId)).toBe(1);
    for (const impossible of answers) {
      expect(impossible.status).toBe(409);
      expect(impossible.body.code).toBe('token_lifetime_too_short');
      // 63 s by expires_in, up to a second less by exp (whole seconds).
      expect([62, 63]).toContain(impossible.body.lifetimeSeconds);
    }
  });

  it('does not log in again for a larger minTtlSeconds while the token is younger than the invalidate cooldown', async () => {
    const { broker, admin: patient } = await extraBroker(world, { TOKEN_INVALIDATE_COOLDOWN_SECONDS: '30', REFRESH_ENABLED: 'false' });
    try {
      const { tenant, client } = await taxpayerTenant(world, { client: { tokenTtlSeconds: 600 } });
      const first = await patient.post(`/v1/tenants/${tenant.id}/token`, {});
      await sleep(3000);
      // About 596 s left; a fresh token would have 599: asking for 598 would cost a login every second or two.
      for (let i = 0; i < 5; i++) {
        const refused = await patient.post(`/v1/tenants/${tenant.id}/token`, { minTtlSeconds: 598 });
        expect(refused.status).toBe(409);
        expect(refused.body.code).toBe('token_lifetime_too_short');
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(20);
      }
      expect(await logins(world, client.clientId)).toBe(1);
      expect((await patient.post(`/v1/tenants/${tenant.id}/token`, {})).body.access_token).toBe(first.body.access_token);
    } finally {
      await broker.stop();
    }
  });

  it('checks the minimum lifetime again after the hand-out is audited', async () => {
    const { tenant } = await taxpayerTenant(world, { client: { tokenTtlSeconds: 10 } });
    const first = await requestToken(admin, tenant.id, { minTtlSeconds: 3 });
    const newcomer = await createPrincipal(world.brokers[0], admin, { tenantGrants: [tenant.id] });
    await sleep(3000);
    // The audit chain is busy for 5 s, so the newcomer's first hand-out of the token (about 6.5 s left) waits that long to be recorded.
    const release = await holdAuditChain(world);
    let asked;
    try {
      asked = requestToken(newcomer.client, tenant.id, { minTtlSeconds: 3 });
      await sleep(5000);
    } finally {
      await release();
    }
    const answer = await asked;
    expect(answer.status).toBe(200);
    expect(answer.body.access_token).not.toBe(first.body.access_token);
    expect(Date.parse(answer.body.expires_at) - Date.now()).toBeGreaterThanOrEqual(3000);
  });

  it('invalidates after a 401 from MyInvois, at most once per cooldown, and only the token named', async () => {
    const { tenant, client } = await taxpayerTenant(world);
    const first = (await requestToken(admin, tenant.id)).body.access_token;
    const tooSoon = await admin.post(`/v1/tenants/${tenant.id}/token/invalidate`, { accessToken: first });
    expect(tooSoon.body).toEqual({ invalidated: false, result: 'cooldown' });
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const done = await world.admins[1].post(`/v1/tenants/${tenant.id}/token/invalidate`, { accessToken: first });
    expect(done.body).toEqual({ invalidated: true, result: 'invalidated' });
    // Both replicas drop it (the other one through NOTIFY).
    await new Promise((resolve) => setTimeout(resolve, 200));
    const second = (await requestToken(admin, tenant.id)).body.access_token;
    expect(second).not.toBe(first);
    expect((await requestToken(world.admins[1], tenant.id)).body.access_token).toBe(second);
    expect(await logins(world, client.clientId)).toBe(2);
    const stale = await admin.post(`/v1/tenants/${tenant.id}/token/invalidate`, { accessToken: first });
    expect(stale.body).toEqual({ invalidated: false, result: 'not_current' });
  });

  it('drops a token from every replica when it is named in an invalidation, even after the row has lost it', async () => {
    const { tenant, client } = await taxpayerTenant(world);
    const token = (await requestToken(admin, tenant.id)).body.access_token;
    expect((await requestToken(world.admins[1], tenant.id)).body.access_token).toBe(token);
    // What a lost race leaves behind: the row no longer holds the token (invalidated), the replicas' memory still does.
    await world.database.query('UPDATE tokens SET access_token = NULL, fingerprint = NULL, expires_at = NULL, refresh_due_at = NULL WHERE tenant_id = $1', [
      tenant.id,
    ]);
    const again = await admin.post(`/v1/tenants/${tenant.id}/token/invalidate`, { accessToken: token });
    expect(again.body).toEqual({ invalidated: false, result: 'not_current' });
    await eventually(async () => expect((await requestToken(world.admins[1], tenant.id)).body.access_token).not.toBe(token));
    const fresh = await requestToken(admin, tenant.id);
    expect(fresh.body.access_token).not.toBe(token);
    expect(await logins(world, client.clientId)).toBe(2);
  });

  it('refuses tenants that cannot log in: unknown, not granted, suspended, without credential', async () => {
    const { tenant } = await taxpayerTenant(world);
    const service = await createPrincipal(world.brokers[0], admin, { tenantGrants: [] });
    const ungranted = await service.client.post(`/v1/tenants/${tenant.id}/token`, {});
    const unknown = await admin.post('/v1/tenants/7a1f2d9e-0000-4000-8000-000000000000/token', {});
    expect(ungranted.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(ungranted.body.code).toBe(unknown.body.code);

    const bare = (await admin.post('/v1/tenants', makeTenant())).body;
    expect((await requestToken(admin, bare.id)).body.code).toBe('tenant_without_credential');
    await admin.patch(`/v1/tenants/${tenant.id}`, { status: 'suspended' });
    const suspended = await requestToken(world.admins[1], tenant.id);
    expect(suspended.status).toBe(409);
    expect(suspended.body.code).toBe('tenant_suspended');
  });

  it('reads a token request or an invalidation without a body, or with an empty one, as {}', async () => {
    const { tenant } = await taxpayerTenant(world);
    const path = `/v1/tenants/${tenant.id}/token`;
    const bare = await admin.post(path);
    expect(bare.status).toBe(200);
    const emptyJson = await admin.post(path, undefined, { raw: '', contentType: 'application/json' });
    expect(emptyJson.status).toBe(200);
    expect(emptyJson.body.access_token).toBe(bare.body.access_token);
    expect((await admin.post(`${path}/invalidate`)).body).toEqual({ invalidated: false, result: 'cooldown' });
    const form = await admin.post(path, undefined, { raw: 'minTtlSeconds=300', contentType: 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    expect(form.body.acceptedContentTypes).toEqual(['application/json']);
  });

  it('lets a granted service principal get the token', async () => {
    const { tenant } = await taxpayerTenant(world);
    const service = await createPrincipal(world.brokers[0], admin, { tenantGrants: [tenant.id] });
    expect((await requestToken(service.client, tenant.id)).status).toBe(200);
  });

  it('audits token.issued once per caller and token, across replicas, then writes nothing on the hit path', async () => {
    const { tenant } = await taxpayerTenant(world);
    const a = await createPrincipal(world.brokers[0], admin, { tenantGrants: [tenant.id] });
    const aOnB = new HttpClient(world.brokers[1].url).withToken(await brokerToken(world.brokers[1], a.clientId, a.clientSecret));
    const b = await createPrincipal(world.brokers[0], admin, { tenantGrants: [tenant.id] });
    const first = await requestToken(a.client, tenant.id);
    await Promise.all([requestToken(a.client, tenant.id), requestToken(aOnB, tenant.id), requestToken(b.client, tenant.id)]);
    const issued = () =>
      world.database.query<{ actor_id: string; details: { source: string; tokenFingerprint: string } }>(
        `SELECT actor_id, details FROM audit_events WHERE action = 'token.issued' AND tenant_id = $1`,
        [tenant.id],
      );
    const events = await issued();
    expect(events.map((e) => e.actor_id).sort()).toEqual([a.id, b.id].sort());
    expect(events.find((e) => e.actor_id === a.id)!.details.source).toBe('login');
    expect(JSON.stringify(events)).not.toContain(first.body.access_token);

    const repeatBefore = await metric(world.admins[0], 'broker_token_repeat_exposures_total');
    const rows = async () =>
      (await world.database.query<{ n: number }>(`SELECT (SELECT count(*) FROM audit_events)::int + (SELECT count(*) FROM token_exposures)::int AS n`))[0].n;
    const before = await rows();
    await Promise.all(Array.from({ length: 30 }, () => requestToken(a.client, tenant.id)));
    expect(await rows()).toBe(before);
    expect((await metric(world.admins[0], 'broker_token_repeat_exposures_total')) - repeatBefore).toBe(30);
  });

  it('verifies a credential with one real login and reports the TIN claim', async () => {
    const { credential, tenant, client } = await taxpayerTenant(world);
    const verified = await admin.post(`/v1/credentials/${credential.id}/verify`, {});
    expect(verified.body).toMatchObject({ status: 'valid', secretUsed: 1, tinClaim: tenant.tin, expectedTin: tenant.tin, tinMatches: true });
    // The token it got is kept: no second login for the tenant's first request.
    await requestToken(admin, tenant.id);
    expect(await logins(world, client.clientId)).toBe(1);

    const other = await taxpayerTenant(world, { client: { tin: 'C1111111110' } });
    expect((await admin.post(`/v1/credentials/${other.credential.id}/verify`, {})).body).toMatchObject({
      status: 'valid',
      tinClaim: 'C1111111110',
      tinMatches: false,
    });

    const bad = await taxpayerTenant(world, { credential: { clientSecret: 'nope-1-x', secondaryClientSecret: 'nope-2-x' } });
    expect((await admin.post(`/v1/credentials/${bad.credential.id}/verify`, {})).body).toMatchObject({ status: 'invalid', upstreamError: 'invalid_client' });
    expect((await admin.get(`/v1/credentials/${bad.credential.id}`)).body.status).toBe('invalid');

    const intermediary = await intermediaryTenants(world, 1);
    expect((await admin.post(`/v1/credentials/${intermediary.credential.id}/verify`, {})).status).toBe(400);
    expect((await admin.post(`/v1/credentials/${intermediary.credential.id}/verify`, { tenantId: intermediary.tenants[0].id })).body.status).toBe('valid');
    expect((await admin.post(`/v1/credentials/${intermediary.credential.id}/verify`, { tenantId: tenant.id })).status).toBe(400);
  });

  it('verifies without logging in beside a request that is logging in for the same key', async () => {
    const { tenant, client, credential } = await taxpayerTenant(world);
    await world.simulator.put(`/_sim/clients/${client.clientId}/faults`, { kind: 'latency', latencyMs: 800 });
    try {
      const asked = requestToken(admin, tenant.id);
      await sleep(200);
      const verified = await world.admins[1].post(`/v1/credentials/${credential.id}/verify`, {});
      expect(verified.body.status).toBe('valid');
      expect((await asked).status).toBe(200);
      expect(await world.simulator.counters(client.clientId)).toMatchObject({ logins: 2, maxInFlight: 1 });
    } finally {
      await world.simulator.delete('/_sim/faults');
    }
  });

  it('never logs in for a request beside its own replica refreshing the same key', async () => {
    const { tenant, client } = await taxpayerTenant(world, { client: { tokenTtlSeconds: 8 } });
    expect((await requestToken(admin, tenant.id, { minTtlSeconds: 1 })).status).toBe(200);
    // The refresh (due at about 6 s) takes a second at MyInvois.
    await world.simulator.put(`/_sim/clients/${client.clientId}/faults`, { kind: 'latency', latencyMs: 1000 });
    try {
      let refreshing: Record<string, any> | undefined;
      await eventually(async () => {
        refreshing = await tokenKeyOf(admin, tenant.id);
        expect(refreshing?.state).toBe('refreshing');
      }, 10_000);
      const holder = world.brokers.findIndex((broker) => String(refreshing!.leaseOwner).includes(`:${broker.pid}:`));
      expect(holder).toBeGreaterThanOrEqual(0);
      // More than the old token has left: this request needs the new token, from the replica that is fetching it.
      const asked = await requestToken(world.admins[holder], tenant.id, { minTtlSeconds: 6 });
      expect(asked.status).toBe(200);
      expect(await world.simulator.counters(client.clientId)).toMatchObject({ logins: 2, maxInFlight: 1 });
    } finally {
      await world.simulator.delete('/_sim/faults');
    }
  });

  it('keeps the lease over a slow audit write after the answer, so another replica does not log in again', async () => {
    const { tenant, client, credential } = await taxpayerTenant(world);
    // Leases of 5 s, and logins that time out after 1.5 s: the lease confirmed before the login runs out 5 s later.
    const { broker, admin: shortLeases } = await extraBroker(world, {
      TOKEN_LEASE_SECONDS: '5',
      MYINVOIS_TIMEOUT_MS: '1500',
      AUDIT_WRITE_TIMEOUT_MS: '15000',
      REFRESH_ENABLED: 'false',
    });
    await world.simulator.put(`/_sim/clients/${client.clientId}/faults`, { kind: 'latency', latencyMs: 1000 });
    try {
      let release: (() => Promise<void>) | undefined;
      let slow;
      let elsewhere;
      try {
        // The login is answered after a second; its audit event then waits for the chain (its attempt is on record already).
        slow = shortLeases.post(`/v1/tenants/${tenant.id}/token`, {});
        await attemptsOnRecord(world, credential.id, 1);
        release = await holdAuditChain(world);
        await eventually(async () => expect((await world.simulator.counters(client.clientId)).logins).toBe(1), 3000);
        await sleep(5500);
        // Past the lease the login began with: another replica that needs the token waits for this one's.
        elsewhere = requestToken(world.admins[1], tenant.id);
        await sleep(1000);
        expect(await world.simulator.counters(client.clientId)).toMatchObject({ requests: 1 });
      } finally {
        await release?.();
      }
      const [a, b] = [await slow, await elsewhere];
      expect([a.status, b.status]).toEqual([200, 200]);
      expect(b.body.access_token).toBe(a.body.access_token);
      expect(await world.simulator.counters(client.clientId)).toMatchObject({ logins: 1 });
    } finally {
      await world.simulator.delete('/_sim/faults');
      await broker.stop();
    }
  });

  it('lets a request in flight finish through shutdown without giving its lease away', async () => {
    const { tenant, client } = await taxpayerTenant(world);
    const { broker } = await extraBroker(world, { SHUTDOWN_GRACE_MS: '20000' });
    const token = await brokerToken(broker, TEST_ADMIN.clientId, TEST_ADMIN.clientSecret);
    await world.simulator.put(`/_sim/clients/${client.clientId}/faults`, { kind: 'latency', latencyMs: 2000 });
    try {
      // Kept alive, as a service's connection pool would: the answer must close it, or the stopping server would wait out its grace period.
      const inFlight = request(`${broker.url}/v1/tenants/${tenant.id}/token`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{}',
      }).then(async (response) => ({
        status: response.statusCode,
        connection: response.headers.connection,
        body: (await response.body.json()) as { access_token: string },
      }));
      await sleep(400);
      const stopped = broker.stop();
      await sleep(400);
      // Meanwhile another replica needs the token: it waits for the stopping one's login instead of logging in beside it.
      const elsewhere = await requestToken(admin, tenant.id);
      const answered = await inFlight;
      expect(answered.status).toBe(200);
      expect(answered.connection).toBe('close');
      expect(elsewhere.body.access_token).toBe(answered.body.access_token);
      const stoppedBy = Date.now() + 10_000;
      expect(await stopped).toBe(0);
      expect(Date.now()).toBeLessThan(stoppedBy);
      expect(await world.simulator.counters(client.clientId)).toMatchObject({ logins: 1, maxInFlight: 1 });
    } finally {
      await world.simulator.delete('/_sim/faults');
      await broker.stop();
    }
  });

  it('logs in for one client ID while twenty logins of other client IDs hang at MyInvois', async () => {
    const { broker, admin: replica } = await extraBroker(world, { MYINVOIS_TIMEOUT_MS: '6000', REFRESH_ENABLED: 'false' });
    const roomy = { credential: { loginRatePerMinute: 12 } };
    const hanging = await Promise.all([intermediaryTenants(world, 10, roomy), intermediaryTenants(world, 10, roomy)]);
    const healthy = await taxpayerTenant(world);
    try {
      for (const { client } of hanging) await world.simulator.put(`/_sim/clients/${client.clientId}/faults`, { kind: 'hang' });
      const hung = hanging.flatMap((h) => h.tenants).map((t) => replica.post(`/v1/tenants/${t.id}/token`, {}));
      const inFlight = async () =>
        (await Promise.all(hanging.map(async (h) => (await world.simulator.counters(h.client.clientId)).inFlight))).reduce((a, b) => a + b);
      await eventually(async () => expect(await inFlight()).toBe(20), 5000);
      const started = Date.now();
      expect((await replica.post(`/v1/tenants/${healthy.tenant.id}/token`, {})).status).toBe(200);
      // Not queued behind the hung connections (which give up after 6 s).
      expect(Date.now() - started).toBeLessThan(3000);
      expect((await Promise.all(hung)).map((r) => r.status)).toEqual(Array.from({ length: 20 }, () => 503));
    } finally {
      await world.simulator.delete('/_sim/faults');
      await broker.stop();
    }
  });

  it('never puts a MyInvois token or client secret into logs or audit events', async () => {
    expect(seenTokens.length).toBeGreaterThan(10);
    const events = JSON.stringify(await world.database.query('SELECT * FROM audit_events'));
    const logs = world.brokers.map((broker) => broker.logs()).join('\n');
    for (const token of seenTokens) {
      expect(events.includes(token) ? 'token in audit' : 'absent').toBe('absent');
      expect(logs.includes(token) ? 'token in logs' : 'absent').toBe('absent');
    }
    const secrets = (await world.simulator.get('/_sim/clients')).body.flatMap((c: { secrets: string[] }) => c.secrets);
    for (const secret of secrets) {
      expect(events.includes(secret) ? 'secret in audit' : 'absent').toBe('absent');
      expect(logs.includes(secret) ? 'secret in logs' : 'absent').toBe('absent');
    }
    expect(logs).not.toContain(TEST_ADMIN.clientSecret);
  });
});

describe('single flight and the login budget across replicas', () => {
  let world: World;

  beforeAll(async () => {
    world = await startWorld({ brokers: 2 });
  });

  afterAll(async () => {
    await world?.stop();
  });

  it('serves a thousand concurrent cold requests over two replicas with exactly one login', async () => {
    const { tenant, client } = await taxpayerTenant(world, { client: { rateLimitPerMinute: 1000 } });
    await world.simulator.put(`/_sim/clients/${client.clientId}/faults`, { kind: 'latency', latencyMs: 300 });
    const responses = await Promise.all(Array.from({ length: 1000 }, (_, i) => world.admins[i % 2].post(`/v1/tenants/${tenant.id}/token`, {})));
    expect(responses.filter((r) => r.status !== 200).map((r) => r.text)).toEqual([]);
    expect(new Set(responses.map((r) => r.body.access_token)).size).toBe(1);
    expect(await world.simulator.counters(client.clientId)).toMatchObject({ logins: 1, maxInFlight: 1 });
    await world.simulator.delete('/_sim/faults');
  });

  it('never lets two replicas spend more than the budget: a burst for 50 taxpayers of one intermediary gets no 429', async () => {
    const setup = await intermediaryTenants(world, 50, { client: { rateLimitPerMinute: 12 }, credential: { loginRatePerMinute: 12 } });
    const responses = await Promise.all(setup.tenants.map((t, i) => world.admins[i % 2].post(`/v1/tenants/${t.id}/token`, {})));
    const served = responses.filter((r) => r.status === 200).length;
    const deferred = responses.filter((r) => r.status === 503);
    expect(served + deferred.length).toBe(50);
    expect(served).toBe(12);
    expect(deferred.every((r) => r.body.code === 'login_budget_exhausted' && Number(r.headers.get('retry-after')) > 0)).toBe(true);
    expect(await world.simulator.counters(setup.client.clientId)).toMatchObject({ rateLimited: 0, logins: 12 });
  });
});
