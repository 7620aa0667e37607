import { createHmac } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, importPKCS8, SignJWT } from 'jose';
import type { CryptoKey, JWK } from 'jose';
import { adminClient, brokerToken, createPrincipal } from './support/auth';
import { createTestDatabase, TestDatabase } from './support/database';
import { makeTenant } from './support/factories';
import { HttpClient } from './support/http';
import { dropListenConnections } from './support/notifications';
import { freePort, ServiceProcess, startBroker, TEST_ADMIN, TEST_SIGNING_KEY } from './support/processes';

const UNKNOWN_ID = '5d0c8f3e-1111-4222-8333-444455556666';

async function tokenRequest(broker: ServiceProcess, fields: Record<string, string>, headers: Record<string, string> = {}) {
  const response = await fetch(`${broker.url}/v1/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, string> };
}

describe('callers: principals, tokens and the guard', () => {
  let database: TestDatabase;
  let broker: ServiceProcess;
  let admin: HttpClient;
  let anonymous: HttpClient;
  let brokerKid: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    broker = await startBroker({ databaseUrl: database.url, env: { AUTH_LOGIN_SLOWDOWN_AFTER: '3', AUTH_LOGIN_MAX_FAILURES: '5' } });
    admin = await adminClient(broker);
    anonymous = new HttpClient(broker.url);
    brokerKid = (await anonymous.get('/.well-known/jwks.json')).body.keys[0].kid;
  });

  afterAll(async () => {
    await broker?.stop();
    await database?.drop();
  });

  /** Mints a token with the broker's own key, with whatever claims a test needs. */
  async function mint(claims: Record<string, unknown>, options: { expiresIn?: string | number; kid?: string; key?: CryptoKey } = {}) {
    const key = options.key ?? (await importPKCS8(TEST_SIGNING_KEY, 'ES256'));
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: options.kid ?? brokerKid })
      .setIssuer('myinvois-broker')
      .setAudience('myinvois-broker')
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? '5m')
      .sign(key);
  }

  describe('the guard', () => {
    it('answers 401 with WWW-Authenticate on every /v1 route except the token endpoint', async () => {
      const document = (await anonymous.get('/docs/json')).body as { paths: Record<string, Record<string, unknown>> };
      const routes = Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => ({ path, method })));
      const guarded = routes.filter((route) => route.path.startsWith('/v1/') && route.path !== '/v1/auth/token');
      expect(guarded.length).toBeGreaterThanOrEqual(10);
      for (const route of guarded) {
        const method = route.method.toUpperCase();
        const response = await anonymous.request(method, route.path.replace(/\{[^}]+\}/g, UNKNOWN_ID), ['GET', 'DELETE'].includes(method) ? undefined : {});
        expect({ route, status: response.status }).toEqual({ route, status: 401 });
        expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="myinvois-broker"/);
        expect(response.body.code).toBe('unauthenticated');
      }
    });

    it('leaves health, docs, JWKS and the token endpoint open', async () => {
      expect((await anonymous.get('/health/live')).status).toBe(200);
      expect((await anonymous.get('/health/ready')).status).toBe(200);
      expect((await anonymous.get('/docs/json')).status).toBe(200);
      const jwks = await anonymous.get('/.well-known/jwks.json');
      expect(jwks.body.keys).toEqual([expect.objectContaining({ kty: 'EC', crv: 'P-256', alg: 'ES256', kid: expect.any(String) })]);
      expect(jwks.body.keys[0].d).toBeUndefined();
    });

    it.each([
      ['an expired token', async () => mint({ sub: UNKNOWN_ID, sv: 1 }, { expiresIn: Math.floor(Date.now() / 1000) - 60 }), /expired/],
      ['a token of an unknown principal', async () => mint({ sub: UNKNOWN_ID, sv: 1 }), /unknown principal/],
      [
        'a token signed by another key under the broker kid',
        async () => mint({ sub: UNKNOWN_ID, sv: 1 }, { key: (await generateKeyPair('ES256')).privateKey }),
        /invalid token/,
      ],
      ['a token with an unknown kid', async () => mint({ sub: UNKNOWN_ID, sv: 1 }, { kid: 'not-a-key' }), /invalid token/],
      [
        'alg none',
        async () =>
          `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ iss: 'myinvois-broker', aud: 'myinvois-broker', sub: UNKNOWN_ID, sv: 1, iat: now(), exp: now() + 60 })}.`,
        /invalid token/,
      ],
      ['HS256 keyed with the public key', async () => hs256WithPublicKey(anonymous), /invalid token/],
      [
        'a foreign issuer',
        async () =>
          new SignJWT({ sub: 'x' })
            .setProtectedHeader({ alg: 'ES256' })
            .setIssuer('someone-else')
            .setAudience('myinvois-broker')
            .setIssuedAt()
            .setExpirationTime('5m')
            .sign((await generateKeyPair('ES256')).privateKey),
        /unknown issuer/,
      ],
      ['garbage', async () => 'not.a.jwt', /not a JWT|invalid/],
    ])('refuses %s with 401', async (_case, makeToken, reason) => {
      const response = await anonymous.get('/v1/tenants', { token: await makeToken() });
      expect(response.status).toBe(401);
      expect(response.body.code).toBe('invalid_token');
      expect(response.body.message).toMatch(reason);
      expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
    });

    it('refuses a tampered token', async () => {
      const service = await createPrincipal(broker, admin, { tenantGrants: ['*'] });
      const token = await brokerToken(broker, service.clientId, service.clientSecret);
      const [header, payload, signature] = token.split('.');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
      const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url')}.${signature}`;
      expect((await anonymous.get('/v1/tenants', { token })).status).toBe(200);
      expect((await anonymous.get('/v1/tenants', { token: forged })).status).toBe(401);
    });

    it('refuses a malformed Authorization header', async () => {
      const response = await anonymous.get('/v1/tenants', { headers: { authorization: 'Token abc' } });
      expect(response.status).toBe(401);
    });
  });

  describe('roles and grants', () => {
    let tenantA: string;
    let tenantB: string;
    let service: Awaited<ReturnType<typeof createPrincipal>>;

    beforeAll(async () => {
      tenantA = (await admin.post('/v1/tenants', makeTenant())).body.id;
      tenantB = (await admin.post('/v1/tenants', makeTenant())).body.id;
      service = await createPrincipal(broker, admin, { tenantGrants: [tenantA] });
    });

    it('gives a service 403 on admin routes', async () => {
      const attempts = [
        service.client.post('/v1/tenants', makeTenant()),
        service.client.patch(`/v1/tenants/${tenantA}`, { name: 'x' }),
        service.client.delete(`/v1/tenants/${tenantA}`),
        service.client.get('/v1/principals'),
        service.client.post('/v1/principals', { name: 'x', role: 'admin' }),
        service.client.post(`/v1/principals/${service.id}/secret`),
        service.client.put(`/v1/principals/${service.id}/grants`, { tenantGrants: ['*'] }),
      ];
      for (const response of await Promise.all(attempts)) {
        expect(response.status).toBe(403);
        expect(response.body.code).toBe('forbidden');
      }
    });

    it('lets a service read a granted tenant, and answers an ungranted one exactly like a missing one', async () => {
      expect((await service.client.get(`/v1/tenants/${tenantA}`)).status).toBe(200);
      const ungranted = await service.client.get(`/v1/tenants/${tenantB}`);
      const missing = await admin.get(`/v1/tenants/${UNKNOWN_ID}`);
      expect(ungranted.status).toBe(404);
      const shape = (body: Record<string, unknown>, id: string) => ({ ...body, requestId: undefined, message: String(body.message).replace(id, '<id>') });
      expect(shape(ungranted.body, tenantB)).toEqual(shape(missing.body, UNKNOWN_ID));
    });

    it('lets a service read a granted tenant named in upper case', async () => {
      const read = await service.client.get(`/v1/tenants/${tenantA.toUpperCase()}`);
      expect(read.status).toBe(200);
      expect(read.body.id).toBe(tenantA);
      expect((await service.client.get(`/v1/tenants/${tenantB.toUpperCase()}`)).status).toBe(404);
    });

    it('lists only granted tenants to a service, and grant changes apply at once', async () => {
      const before = await service.client.get('/v1/tenants?limit=200');
      expect(before.body.items.map((t: { id: string }) => t.id)).toEqual([tenantA]);

      const replaced = await admin.put(`/v1/principals/${service.id}/grants`, { tenantGrants: [tenantB] });
      expect(replaced.body.tenantGrants).toEqual([tenantB]);
      expect((await service.client.get(`/v1/tenants/${tenantA}`)).status).toBe(404);
      expect((await service.client.get(`/v1/tenants/${tenantB}`)).status).toBe(200);

      await admin.put(`/v1/principals/${service.id}/grants`, { tenantGrants: ['*'] });
      expect((await service.client.get(`/v1/tenants/${tenantA}`)).status).toBe(200);
      const all = await service.client.get('/v1/tenants?limit=200');
      expect(all.body.items.map((t: { id: string }) => t.id)).toEqual(expect.arrayContaining([tenantA, tenantB]));
      await admin.put(`/v1/principals/${service.id}/grants`, { tenantGrants: [tenantA] });
    });

    it('refuses grants to tenants that do not exist, and malformed grants', async () => {
      const unknown = await admin.put(`/v1/principals/${service.id}/grants`, { tenantGrants: [tenantA, UNKNOWN_ID] });
      expect(unknown.status).toBe(400);
      expect(unknown.body.unknownTenantIds).toEqual([UNKNOWN_ID]);
      for (const tenantGrants of [['*', tenantA], ['nope'], [tenantA, tenantA], 'all', [5]]) {
        const response = await admin.put(`/v1/principals/${service.id}/grants`, { tenantGrants });
        expect(response.status).toBe(400);
        expect(response.body.errors[0].field).toBe('tenantGrants');
      }
    });

    it('lets an admin act on every tenant', async () => {
      expect((await admin.get(`/v1/tenants/${tenantB}`)).status).toBe(200);
    });
  });

  describe('principals API', () => {
    it('shows the secret only at creation, and never stores it', async () => {
      const created = await admin.post('/v1/principals', { name: 'billing-worker', role: 'service' });
      expect(created.status).toBe(201);
      expect(created.body.clientSecret).toMatch(/^mibs_[A-Za-z0-9_-]{43}$/);
      expect(created.body.tenantGrants).toEqual([]);
      const read = await admin.get(`/v1/principals/${created.body.id}`);
      expect(read.body.clientSecret).toBeUndefined();
      expect(JSON.stringify((await admin.get('/v1/principals?limit=200')).body)).not.toContain(created.body.clientSecret);
      const rows = await database.query('SELECT * FROM principals WHERE id = $1', [created.body.id]);
      expect(JSON.stringify(rows)).not.toContain(created.body.clientSecret);
      expect(rows[0].secret_hash).toMatch(/^scrypt\$/);
    });

    it('validates input', async () => {
      const bad = await admin.post('/v1/principals', { name: '', role: 'root', extra: 1 });
      expect(bad.status).toBe(400);
      expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['extra', 'name', 'role']);
      const adminWithGrants = await admin.post('/v1/principals', { name: 'a', role: 'admin', tenantGrants: [UNKNOWN_ID] });
      expect(adminWithGrants.status).toBe(400);
      expect((await admin.get('/v1/principals/not-a-uuid')).status).toBe(400);
      expect((await admin.get(`/v1/principals/${UNKNOWN_ID}`)).status).toBe(404);
      expect((await admin.patch(`/v1/principals/${UNKNOWN_ID}`, { name: 'x' })).status).toBe(404);
      expect((await admin.get('/v1/principals?role=root')).status).toBe(400);
    });

    it.each([
      ['a NUL in the name', { name: 'worker\u0000', role: 'service' }, 'name'],
      ['a lone surrogate in the name', { name: 'worker \ud83d', role: 'service' }, 'name'],
      ['a NUL in the external subject', { name: 'worker', role: 'service', externalSubject: 'app\u0000' }, 'externalSubject'],
      ['a lone surrogate in the external subject', { name: 'worker', role: 'service', externalSubject: '\udc00app' }, 'externalSubject'],
      ['a control character in the external subject', { name: 'worker', role: 'service', externalSubject: 'app\u001b[31m' }, 'externalSubject'],
    ])('refuses %s with 400 naming the field', async (_case, body, field) => {
      const response = await admin.post('/v1/principals', body);
      expect(response.status).toBe(400);
      expect(response.body.errors).toEqual([{ field, message: expect.stringMatching(/control characters or unpaired surrogates/) }]);
    });

    it('refuses a NUL in a new name with 400 naming it', async () => {
      const principal = (await admin.post('/v1/principals', { name: 'to rename', role: 'service' })).body;
      const response = await admin.patch(`/v1/principals/${principal.id}`, { name: 'renamed\u0000' });
      expect(response.status).toBe(400);
      expect(response.body.errors[0].field).toBe('name');
    });

    it('rotates a secret: the old secret and its tokens stop working, the new one works', async () => {
      const principal = await createPrincipal(broker, admin, { tenantGrants: ['*'] });
      const rotated = await admin.post(`/v1/principals/${principal.id}/secret`);
      expect(rotated.status).toBe(200);
      expect(rotated.body).toEqual({ clientId: principal.clientId, clientSecret: expect.stringMatching(/^mibs_/) });
      expect(
        (await tokenRequest(broker, { grant_type: 'client_credentials', client_id: principal.clientId, client_secret: principal.clientSecret })).status,
      ).toBe(401);
      expect((await principal.client.get('/v1/tenants')).status).toBe(401);
      const fresh = await brokerToken(broker, principal.clientId, rotated.body.clientSecret);
      expect((await anonymous.get('/v1/tenants', { token: fresh })).status).toBe(200);
    });

    it('refuses a disabled principal at once, even with an unexpired token, and lets it back when enabled', async () => {
      const principal = await createPrincipal(broker, admin, { tenantGrants: ['*'] });
      expect((await principal.client.get('/v1/tenants')).status).toBe(200);
      expect((await admin.patch(`/v1/principals/${principal.id}`, { enabled: false })).body.enabled).toBe(false);
      const refused = await principal.client.get('/v1/tenants');
      expect(refused.status).toBe(401);
      expect(refused.body.message).toMatch(/disabled/);
      expect(
        (await tokenRequest(broker, { grant_type: 'client_credentials', client_id: principal.clientId, client_secret: principal.clientSecret })).status,
      ).toBe(401);
      await admin.patch(`/v1/principals/${principal.id}`, { enabled: true });
      expect((await principal.client.get('/v1/tenants')).status).toBe(200);
    });

    it('refuses a principal at once on the replica that disabled it, without waiting for its own notification', async () => {
      const principal = await createPrincipal(broker, admin, { tenantGrants: ['*'] });
      // Until the broker reconnects (a second), no notification reaches it.
      await dropListenConnections(database, [broker]);
      expect((await principal.client.get('/v1/tenants')).status).toBe(200);
      await admin.patch(`/v1/principals/${principal.id}`, { enabled: false });
      expect((await principal.client.get('/v1/tenants')).status).toBe(401);
      await admin.patch(`/v1/principals/${principal.id}`, { enabled: true });
      expect((await principal.client.get('/v1/tenants')).status).toBe(200);
    });

    it('refuses a deleted principal at once', async () => {
      const principal = await createPrincipal(broker, admin, { tenantGrants: ['*'] });
      expect((await admin.delete(`/v1/principals/${principal.id}`)).status).toBe(204);
      expect((await principal.client.get('/v1/tenants')).status).toBe(401);
      expect((await admin.get(`/v1/principals/${principal.id}`)).status).toBe(404);
    });

    it('never lets the last enabled admin be disabled or deleted', async () => {
      const list = await admin.get('/v1/principals?role=admin&limit=200');
      const self = list.body.items.find((p: { clientId: string }) => p.clientId === TEST_ADMIN.clientId);
      const others = list.body.items.filter((p: { id: string; enabled: boolean }) => p.id !== self.id && p.enabled);
      for (const other of others) await admin.patch(`/v1/principals/${other.id}`, { enabled: false });
      const disable = await admin.patch(`/v1/principals/${self.id}`, { enabled: false });
      expect(disable.status).toBe(409);
      expect(disable.body.code).toBe('principal_last_admin');
      expect((await admin.delete(`/v1/principals/${self.id}`)).status).toBe(409);

      const second = await createPrincipal(broker, admin, { role: 'admin' });
      expect((await second.client.patch(`/v1/principals/${self.id}`, { enabled: false })).status).toBe(200);
      expect((await second.client.patch(`/v1/principals/${self.id}`, { enabled: true })).status).toBe(200);
    });
  });

  describe('POST /v1/auth/token', () => {
    it('accepts form and JSON bodies and HTTP Basic, and returns a Bearer JWT with no-store', async () => {
      const form = await tokenRequest(broker, { grant_type: 'client_credentials', client_id: TEST_ADMIN.clientId, client_secret: TEST_ADMIN.clientSecret });
      expect(form.status).toBe(200);
      expect(form.body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 900 });
      expect(form.headers.get('cache-control')).toBe('no-store');

      const json = await anonymous.post('/v1/auth/token', {
        grant_type: 'client_credentials',
        client_id: TEST_ADMIN.clientId,
        client_secret: TEST_ADMIN.clientSecret,
      });
      expect(json.status).toBe(200);

      const basic = Buffer.from(`${TEST_ADMIN.clientId}:${TEST_ADMIN.clientSecret}`).toString('base64');
      const viaBasic = await tokenRequest(broker, { grant_type: 'client_credentials' }, { authorization: `Basic ${basic}` });
      expect(viaBasic.status).toBe(200);
      const claims = JSON.parse(Buffer.from(viaBasic.body.access_token.split('.')[1], 'base64url').toString());
      expect(claims).toMatchObject({ iss: 'myinvois-broker', aud: 'myinvois-broker', role: 'admin', sv: expect.any(Number) });
      expect(claims.exp - claims.iat).toBe(900);
      const header = JSON.parse(Buffer.from(viaBasic.body.access_token.split('.')[0], 'base64url').toString());
      expect(header).toMatchObject({ alg: 'ES256', kid: brokerKid });
    });

    it.each([
      [{ client_id: 'a', client_secret: 'b' }, 400, 'invalid_request'],
      [{ grant_type: 'authorization_code', client_id: 'a', client_secret: 'b' }, 400, 'unsupported_grant_type'],
      [{ grant_type: 'client_credentials', client_id: 'a' }, 400, 'invalid_request'],
    ])('answers %j in RFC 6749 form', async (fields, status, error) => {
      const response = await tokenRequest(broker, fields as Record<string, string>);
      expect(response.status).toBe(status);
      expect(response.body).toEqual({ error, error_description: expect.any(String) });
    });

    it.each([
      ['a NUL in a form client_id', () => tokenRequest(broker, { grant_type: 'client_credentials', client_id: '\u0000', client_secret: 'x' }), /client_id/],
      [
        'a NUL in a form client_secret',
        () => tokenRequest(broker, { grant_type: 'client_credentials', client_id: TEST_ADMIN.clientId, client_secret: 'x\u0000' }),
        /client_secret/,
      ],
      [
        'a lone surrogate in a JSON client_id',
        () => anonymous.post('/v1/auth/token', { grant_type: 'client_credentials', client_id: 'a\ud800', client_secret: 'x' }),
        /client_id/,
      ],
      [
        'a lone surrogate in a JSON client_secret',
        () => anonymous.post('/v1/auth/token', { grant_type: 'client_credentials', client_id: 'a', client_secret: '\udfffx' }),
        /client_secret/,
      ],
      [
        'a NUL in HTTP Basic',
        () => tokenRequest(broker, { grant_type: 'client_credentials' }, { authorization: `Basic ${Buffer.from('%00:x').toString('base64')}` }),
        /client_id/,
      ],
    ])('answers %s with 400 invalid_request naming the field', async (_case, send, field) => {
      const response = await send();
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ error: 'invalid_request', error_description: expect.stringMatching(field) });
    });

    it('answers malformed JSON in RFC 6749 form', async () => {
      const response = await anonymous.post('/v1/auth/token', undefined, { raw: '{"grant_type":', contentType: 'application/json' });
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ error: 'invalid_request', error_description: expect.any(String) });
    });

    it('says the same for an unknown client ID and a wrong secret, slows repeated failures, then answers 429', async () => {
      const unknown = await tokenRequest(broker, { grant_type: 'client_credentials', client_id: 'nobody', client_secret: 'x' });
      const wrong = await tokenRequest(broker, { grant_type: 'client_credentials', client_id: TEST_ADMIN.clientId, client_secret: 'wrong' });
      expect(unknown.status).toBe(401);
      expect(unknown.body).toEqual(wrong.body);

      const target = await createPrincipal(broker, admin);
      const attempt = () => tokenRequest(broker, { grant_type: 'client_credentials', client_id: target.clientId, client_secret: 'guess' });
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await attempt()).status);
      expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      expect(statuses[5]).toBe(429);
      const locked = await tokenRequest(broker, { grant_type: 'client_credentials', client_id: target.clientId, client_secret: target.clientSecret });
      expect(locked.status).toBe(429);
      expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(locked.body.error).toBe('too_many_requests');
      // Other clients are not affected.
      expect(
        (await tokenRequest(broker, { grant_type: 'client_credentials', client_id: TEST_ADMIN.clientId, client_secret: TEST_ADMIN.clientSecret })).status,
      ).toBe(200);
    });
  });

  it('never writes a client secret or a bearer token to the log', async () => {
    const principal = await createPrincipal(broker, admin, { tenantGrants: ['*'] });
    await principal.client.get('/v1/tenants');
    const logs = broker.logs();
    expect(logs).not.toContain(principal.clientSecret);
    expect(logs).not.toContain(TEST_ADMIN.clientSecret);
    const token = await brokerToken(broker, principal.clientId, principal.clientSecret);
    await anonymous.get('/v1/tenants', { token });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(broker.logs()).not.toContain(token.split('.')[2]);
  });
});

describe('callers across replicas, bootstrap and an external identity provider', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('refuses a principal disabled on one replica at once on another', async () => {
    const [a, b] = await Promise.all([startBroker({ databaseUrl: database.url }), startBroker({ databaseUrl: database.url })]);
    try {
      const adminA = await adminClient(a);
      const principal = await createPrincipal(a, adminA, { tenantGrants: ['*'] });
      const onB = new HttpClient(b.url).withToken(await brokerToken(a, principal.clientId, principal.clientSecret));
      expect((await onB.get('/v1/tenants')).status).toBe(200);
      await adminA.patch(`/v1/principals/${principal.id}`, { enabled: false });
      // NOTIFY is delivered on commit; allow it a moment to cross.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect((await onB.get('/v1/tenants')).status).toBe(401);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('in production, refuses to start without an admin or BOOTSTRAP_ADMIN_*', async () => {
    const fresh = await createTestDatabase();
    try {
      const broker = await startBroker({
        databaseUrl: fresh.url,
        env: { NODE_ENV: 'production', BOOTSTRAP_ADMIN_CLIENT_ID: '', BOOTSTRAP_ADMIN_CLIENT_SECRET: '' },
        waitReady: false,
      });
      expect(await broker.waitForExit()).toBe(1);
      expect(broker.logs()).toMatch(/set BOOTSTRAP_ADMIN_CLIENT_ID and BOOTSTRAP_ADMIN_CLIENT_SECRET/);
    } finally {
      await fresh.drop();
    }
  });

  it('outside production, creates a first admin and prints its credentials once', async () => {
    const fresh = await createTestDatabase();
    try {
      const env = { NODE_ENV: 'development', BOOTSTRAP_ADMIN_CLIENT_ID: '', BOOTSTRAP_ADMIN_CLIENT_SECRET: '' };
      const first = await startBroker({ databaseUrl: fresh.url, env });
      const output = first.logs();
      const clientId = /client_id:\s+(\S+)/.exec(output)?.[1];
      const clientSecret = /client_secret:\s+(\S+)/.exec(output)?.[1];
      expect(clientId && clientSecret).toBeTruthy();
      await brokerToken(first, clientId!, clientSecret!);
      // Only in that one line: the structured log never carries it.
      expect(first.logLines().some((line) => JSON.stringify(line).includes(clientSecret!))).toBe(false);
      await first.stop();
      const second = await startBroker({ databaseUrl: fresh.url, env });
      expect(second.logs()).not.toContain('client_secret:');
      await second.stop();
    } finally {
      await fresh.drop();
    }
  });

  it('applies a changed BOOTSTRAP_ADMIN_CLIENT_SECRET as a rotation', async () => {
    const fresh = await createTestDatabase();
    try {
      const before = await startBroker({ databaseUrl: fresh.url });
      const oldToken = await brokerToken(before, TEST_ADMIN.clientId, TEST_ADMIN.clientSecret);
      await before.stop();
      const newSecret = 'a-different-bootstrap-secret-0123456789abcdef';
      const after = await startBroker({ databaseUrl: fresh.url, env: { BOOTSTRAP_ADMIN_CLIENT_SECRET: newSecret } });
      try {
        expect((await new HttpClient(after.url).get('/v1/tenants', { token: oldToken })).status).toBe(401);
        await brokerToken(after, TEST_ADMIN.clientId, newSecret);
      } finally {
        await after.stop();
      }
    } finally {
      await fresh.drop();
    }
  });

  describe('tokens of the provider identity provider', () => {
    let jwksServer: Server;
    let idpKey: CryptoKey;
    let broker: ServiceProcess;
    const ISSUER = 'https://idp.example.test/';

    beforeAll(async () => {
      const pair = await generateKeyPair('RS256', { extractable: true });
      idpKey = pair.privateKey;
      const publicJwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'idp-1', alg: 'RS256', use: 'sig' };
      jwksServer = createServer((_request, response) => {
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ keys: [publicJwk] }));
      });
      await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
      const { port } = jwksServer.address() as AddressInfo;
      broker = await startBroker({
        databaseUrl: database.url,
        env: {
          AUTH_EXTERNAL_ISSUER: ISSUER,
          AUTH_EXTERNAL_JWKS_URL: `http://127.0.0.1:${port}/jwks`,
          AUTH_EXTERNAL_AUDIENCE: 'broker-api',
          AUTH_EXTERNAL_PRINCIPAL_CLAIM: 'azp',
        },
      });
    });

    afterAll(async () => {
      await broker?.stop();
      await new Promise((resolve) => jwksServer?.close(resolve));
    });

    const idpToken = (claims: Record<string, unknown>, options: { audience?: string; key?: CryptoKey; kid?: string } = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? 'idp-1' })
        .setIssuer(ISSUER)
        .setAudience(options.audience ?? 'broker-api')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(options.key ?? idpKey);

    it('maps a verified external token to the principal named by the configured claim', async () => {
      const admin = await adminClient(broker);
      await createPrincipal(broker, admin, { name: 'erp-connector', tenantGrants: ['*'], externalSubject: 'erp-connector-app' });
      const api = new HttpClient(broker.url);
      expect((await api.get('/v1/tenants', { token: await idpToken({ azp: 'erp-connector-app' }) })).status).toBe(200);
      expect((await api.get('/v1/principals', { token: await idpToken({ azp: 'erp-connector-app' }) })).status).toBe(403);
      expect((await api.get('/v1/tenants', { token: await idpToken({ azp: 'someone-unmapped' }) })).status).toBe(401);
      expect((await api.get('/v1/tenants', { token: await idpToken({ sub: 'no-azp' }) })).status).toBe(401);
      expect((await api.get('/v1/tenants', { token: await idpToken({ azp: 'erp-connector-app' }, { audience: 'other' }) })).status).toBe(401);
      const stranger = (await generateKeyPair('RS256')).privateKey;
      expect((await api.get('/v1/tenants', { token: await idpToken({ azp: 'erp-connector-app' }, { key: stranger }) })).status).toBe(401);
    });

    it('refuses a second principal with the same external subject', async () => {
      const admin = await adminClient(broker);
      const response = await admin.post('/v1/principals', { name: 'dup', role: 'service', externalSubject: 'erp-connector-app' });
      expect(response.status).toBe(409);
    });
  });
});

describe('failed logins, counted per caller address', () => {
  let database: TestDatabase;
  let broker: ServiceProcess;
  const PROXY_ADDRESS = '127.0.0.1';

  beforeAll(async () => {
    database = await createTestDatabase();
    // The test plays the load balancer: it connects from 127.0.0.1 and names the caller.
    broker = await startBroker({
      databaseUrl: database.url,
      env: { TRUST_PROXY: PROXY_ADDRESS, AUTH_LOGIN_ADDRESS_MAX_FAILURES: '5', AUTH_LOGIN_MAX_FAILURES: '3', AUTH_LOGIN_SLOWDOWN_AFTER: '3' },
    });
  });

  afterAll(async () => {
    await broker?.stop();
    await database?.drop();
  });

  const login = (forwardedFor: string, clientId: string, clientSecret: string) =>
    tokenRequest(broker, { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }, { 'x-forwarded-for': forwardedFor });

  it('refuses an address that tried too many client IDs, known or not, with 429 and Retry-After, and no other address', async () => {
    for (let i = 0; i < 5; i++) expect((await login('203.0.113.10', `made-up-${i}`, 'guess')).status).toBe(401);
    const refused = await login('203.0.113.10', TEST_ADMIN.clientId, TEST_ADMIN.clientSecret);
    expect(refused.status).toBe(429);
    expect(refused.body.error).toBe('too_many_requests');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await login('203.0.113.11', TEST_ADMIN.clientId, TEST_ADMIN.clientSecret)).status).toBe(200);
  });

  it('locks a client ID out only for the address that failed, so nobody can lock a service out from elsewhere', async () => {
    for (let i = 0; i < 3; i++) expect((await login('203.0.113.20', TEST_ADMIN.clientId, 'wrong')).status).toBe(401);
    expect((await login('203.0.113.20', TEST_ADMIN.clientId, TEST_ADMIN.clientSecret)).status).toBe(429);
    expect((await login('203.0.113.21', TEST_ADMIN.clientId, TEST_ADMIN.clientSecret)).status).toBe(200);
  });

  it('takes the address the trusted proxy saw, whatever the caller wrote before it', async () => {
    for (let i = 0; i < 5; i++) expect((await login(`198.51.100.${i}, 203.0.113.30`, `made-up-${i}`, 'guess')).status).toBe(401);
    expect((await login('198.51.100.99, 203.0.113.30', TEST_ADMIN.clientId, TEST_ADMIN.clientSecret)).status).toBe(429);
  });

  it('costs an unknown client ID the same time as a wrong secret, so timing does not tell which exist', async () => {
    const timed = async (address: string, clientId: string) => {
      const started = performance.now();
      expect((await login(address, clientId, 'wrong')).status).toBe(401);
      return performance.now() - started;
    };
    const unknown: number[] = [];
    const known: number[] = [];
    // One attempt per address, alternating, so neither the limits nor a busy moment favour one side.
    for (let i = 0; i < 6; i++) {
      unknown.push(await timed(`192.0.2.${10 + i}`, `nobody-${i}`));
      known.push(await timed(`192.0.2.${20 + i}`, TEST_ADMIN.clientId));
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    // Without the dummy hash an unknown ID answers in a few ms, a wrong secret after a full scrypt.
    expect(median(unknown) / median(known)).toBeGreaterThan(0.4);
  });

  it('records a forged, unreadable X-Forwarded-For as the proxy address, not as a 500', async () => {
    const admin = await adminClient(broker);
    const created = await admin.post('/v1/tenants', makeTenant(), { headers: { 'x-forwarded-for': `${'x'.repeat(100)}` } });
    expect(created.status).toBe(201);
    const rows = await database.query('SELECT caller_ip FROM audit_events WHERE tenant_id = $1', [created.body.id]);
    expect(rows).toEqual([{ caller_ip: PROXY_ADDRESS }]);
  });
});

describe('an identity provider whose keys cannot be fetched', () => {
  let database: TestDatabase;
  let broker: ServiceProcess;
  const ISSUER = 'https://idp.down.example.test/';

  beforeAll(async () => {
    database = await createTestDatabase();
    // A port nobody listens on: every fetch of the key set is refused.
    const closedPort = await freePort();
    broker = await startBroker({
      databaseUrl: database.url,
      env: { AUTH_EXTERNAL_ISSUER: ISSUER, AUTH_EXTERNAL_JWKS_URL: `http://127.0.0.1:${closedPort}/jwks`, AUTH_EXTERNAL_AUDIENCE: 'broker-api' },
    });
  });

  afterAll(async () => {
    await broker?.stop();
    await database?.drop();
  });

  it('answers its tokens with 503 and Retry-After, logs a warning, and keeps serving the broker tokens', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const token = await new SignJWT({ sub: 'some-app' })
      .setProtectedHeader({ alg: 'RS256', kid: 'idp-1' })
      .setIssuer(ISSUER)
      .setAudience('broker-api')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    const api = new HttpClient(broker.url);
    for (let i = 0; i < 2; i++) {
      const response = await api.get('/v1/tenants', { token });
      expect(response.status).toBe(503);
      expect(response.body).toMatchObject({ statusCode: 503, code: 'identity_provider_unavailable' });
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    await broker.waitForLog(/cannot fetch the identity provider's signing keys/);
    expect(broker.logs().match(/cannot fetch the identity provider's signing keys/g)).toHaveLength(1);
    expect((await (await adminClient(broker)).get('/v1/tenants')).status).toBe(200);
  });
});

describe('signing keys kept in the database', () => {
  let database: TestDatabase;
  let a: ServiceProcess;
  let b: ServiceProcess;
  // Unset: the first replica creates a key, sealed by the vault, and both share it.
  const env = { AUTH_SIGNING_KEY: '' };
  const kidOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()).kid as string;
  /** Flips one byte of a key's sealed private part, as disk or a careless hand might. */
  const corrupt = (kid: string) =>
    database.query('UPDATE signing_keys SET private_key = set_byte(private_key, 20, get_byte(private_key, 20) # 1) WHERE kid = $1', [kid]);

  beforeAll(async () => {
    database = await createTestDatabase();
    a = await startBroker({ databaseUrl: database.url, env });
    b = await startBroker({ databaseUrl: database.url, env });
  });

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await database?.drop();
  });

  it('rotates on one replica, and the other accepts tokens of the new key at once, even if it missed the notification', async () => {
    const before = await brokerToken(a, TEST_ADMIN.clientId, TEST_ADMIN.clientSecret);
    expect((await new HttpClient(b.url).get('/v1/tenants', { token: before })).status).toBe(200);

    await dropListenConnections(database, [a, b]);
    const rotated = await new HttpClient(a.url).withToken(before).post('/v1/admin/signing-keys/rotate');
    expect(rotated.status).toBe(200);
    const active = rotated.body.find((key: { active: boolean }) => key.active).kid;
    expect(active).not.toBe(kidOf(before));

    const after = await brokerToken(a, TEST_ADMIN.clientId, TEST_ADMIN.clientSecret);
    expect(kidOf(after)).toBe(active);
    expect((await new HttpClient(b.url).get('/v1/tenants', { token: after })).status).toBe(200);
    // The old key verifies until its tokens have expired.
    expect((await new HttpClient(b.url).get('/v1/tenants', { token: before })).status).toBe(200);
    const jwks = await new HttpClient(b.url).get('/.well-known/jwks.json');
    expect(jwks.body.keys.map((key: { kid: string }) => key.kid).sort()).toEqual([active, kidOf(before)].sort());
  });

  it('starts without a retiring key that no longer opens, and refuses to start when the active one does not', async () => {
    const keys = await database.query<{ kid: string; retired_at: Date | null }>('SELECT kid, retired_at FROM signing_keys');
    const retiring = keys.find((key) => key.retired_at !== null)!.kid;
    const active = keys.find((key) => key.retired_at === null)!.kid;
    await Promise.all([a.stop(), b.stop()]);

    await corrupt(retiring);
    a = await startBroker({ databaseUrl: database.url, env });
    expect(a.logLines().some((line) => line.level === 'error' && line.kid === retiring && /skipped a retiring signing key/.test(String(line.msg)))).toBe(true);
    const token = await brokerToken(a, TEST_ADMIN.clientId, TEST_ADMIN.clientSecret);
    expect(kidOf(token)).toBe(active);
    expect((await new HttpClient(a.url).get('/.well-known/jwks.json')).body.keys.map((key: { kid: string }) => key.kid)).toEqual([active]);
    await a.stop();

    await corrupt(active);
    const refused = await startBroker({ databaseUrl: database.url, env, waitReady: false });
    expect(await refused.waitForExit()).toBe(1);
    expect(refused.logs()).toContain(`signing key ${active} failed its integrity check`);
    // Put the byte back, so that afterAll stops brokers that could start.
    await corrupt(active);
    a = await startBroker({ databaseUrl: database.url, env });
  });
});

function b64(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}

/** The classic confusion attack: an HS256 token whose HMAC key is the server's public key. */
async function hs256WithPublicKey(api: HttpClient): Promise<string> {
  const jwk = (await api.get('/.well-known/jwks.json')).body.keys[0];
  const signingInput = `${b64({ alg: 'HS256', typ: 'JWT', kid: jwk.kid })}.${b64({ iss: 'myinvois-broker', aud: 'myinvois-broker', sub: UNKNOWN_ID, sv: 1, iat: now(), exp: now() + 60 })}`;
  const signature = createHmac('sha256', JSON.stringify(jwk)).update(signingInput).digest('base64url');
  return `${signingInput}.${signature}`;
}
