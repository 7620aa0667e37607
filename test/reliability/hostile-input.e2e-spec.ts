import { connect } from 'node:net';
import { importPKCS8, SignJWT } from 'jose';
import { brokerToken, createPrincipal } from '../support/auth';
import { makeCredential } from '../support/credentials';
import { createTestDatabase, TestDatabase } from '../support/database';
import { makeTenant } from '../support/factories';
import { HttpClient } from '../support/http';
import { ServiceProcess, startBroker, TEST_ADMIN, TEST_SIGNING_KEY } from '../support/processes';
import { uniqueId } from '../support/simulator';
import { claimsOf } from '../support/world';

/** Bytes as they are, on a socket of their own: fetch would refuse to send most of these. */
function rawRequest(url: string, bytes: Buffer | string): Promise<{ status: number; body: any; text: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(bytes));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head, ...rest] = text.split('\r\n\r\n');
      const body = rest.join('\r\n\r\n');
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        parsed = undefined;
      }
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), body: parsed, text });
    });
  });
}

function postBytes(url: string, path: string, body: Buffer, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
}

describe('hostile input', () => {
  let database: TestDatabase;
  let broker: ServiceProcess;
  let admin: HttpClient;
  let service: HttpClient;
  let tenantId: string;
  let adminToken: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    broker = await startBroker({ databaseUrl: database.url });
    adminToken = await brokerToken(broker, TEST_ADMIN.clientId, TEST_ADMIN.clientSecret);
    admin = new HttpClient(broker.url).withToken(adminToken);
    const tenant = await admin.post('/v1/tenants', makeTenant());
    tenantId = tenant.body.id;
    service = (await createPrincipal(broker, admin, { tenantGrants: [tenantId] })).client;
  });

  afterAll(async () => {
    await broker?.stop();
    await database?.drop();
  });

  describe('JSON nested deeper than the limit', () => {
    const deep = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);

    it('is a 400 naming the limit on a validated body, on the token endpoint and on a service route', async () => {
      const body = `{"name":${deep(5000)}}`;
      const tenants = await admin.post('/v1/tenants', undefined, { raw: body });
      expect(tenants.status).toBe(400);
      expect(tenants.body).toMatchObject({ code: 'body_nested_too_deep', maxDepth: 32 });
      expect(tenants.body.message).toContain('32 levels');

      const token = await new HttpClient(broker.url).post('/v1/auth/token', undefined, { raw: `{"grant_type":${deep(5000)}}` });
      expect(token.status).toBe(400);
      expect(token.body).toMatchObject({ error: 'invalid_request' });
      expect(token.body.error_description).toContain('32 levels');

      const asService = await service.post(`/v1/tenants/${tenantId}/token`, undefined, { raw: `{"minTtlSeconds":${deep(5000)}}` });
      expect(asService.status).toBe(400);
      expect(asService.body.code).toBe('body_nested_too_deep');
    });

    it('takes nesting up to the limit (and brackets inside strings do not count)', async () => {
      const withinLimit = await admin.post('/v1/tenants', undefined, { raw: `{"name":${deep(31)},"tin":"${'['.repeat(100)}"}` });
      expect(withinLimit.status).toBe(400);
      expect(withinLimit.body.code).toBe('validation_failed');
    });
  });

  describe('null on optional fields', () => {
    it('refuses null where "none" is not a value, naming the field, on every create body', async () => {
      const credential = await admin.post('/v1/credentials', { ...makeCredential({ clientId: uniqueId('erp') }), secretExpiresAt: null });
      expect(credential.status).toBe(400);
      expect(credential.body).toMatchObject({ code: 'validation_failed', field: 'secretExpiresAt' });
      for (const field of ['secondaryClientSecret', 'loginRatePerMinute', 'label']) {
        const refused = await admin.post('/v1/credentials', { ...makeCredential({ clientId: uniqueId('erp') }), [field]: null });
        expect({ field, status: refused.status, code: refused.body.code, named: refused.body.field }).toEqual({
          field,
          status: 400,
          code: 'validation_failed',
          named: field,
        });
      }
      const tenant = await admin.post('/v1/tenants', { ...makeTenant(), brn: null });
      expect(tenant.body).toMatchObject({ code: 'validation_failed', field: 'brn' });
      const principal = await admin.post('/v1/principals', { name: 'p', role: 'service', tenantGrants: null });
      expect(principal.body).toMatchObject({ code: 'validation_failed', field: 'tenantGrants' });
      const token = await service.post(`/v1/tenants/${tenantId}/token`, { minTtlSeconds: null });
      expect(token.body).toMatchObject({ code: 'validation_failed', field: 'minTtlSeconds' });
    });

    it('takes null as "none" where the document says it is nullable', async () => {
      const credential = await admin.post('/v1/credentials', makeCredential({ clientId: uniqueId('erp') }));
      const cleared = await admin.patch(`/v1/credentials/${credential.body.id}`, { secretExpiresAt: null, label: null });
      expect(cleared.status).toBe(200);
      expect(cleared.body).toMatchObject({ secretExpiresAt: null, label: null });
    });
  });

  describe('bytes that are not UTF-8', () => {
    // ED A0 80 is an encoded surrogate: JSON.parse of a lenient decoding would store U+FFFD.
    const surrogate = Buffer.from([0xed, 0xa0, 0x80]);

    it('refuses a JSON body with 400 instead of storing U+FFFD, a client secret included', async () => {
      const body = Buffer.concat([Buffer.from(JSON.stringify(makeCredential({ clientId: uniqueId('erp') })).replace(/"clientSecret":"/, '"clientSecret":"x'))]);
      const at = body.indexOf('"clientSecret":"x') + '"clientSecret":"'.length;
      const bad = Buffer.concat([body.subarray(0, at), surrogate, body.subarray(at + 1)]);
      const refused = await postBytes(broker.url, '/v1/credentials', bad, { authorization: `Bearer ${adminToken}` });
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({ code: 'invalid_utf8' });
      expect((await admin.get('/v1/credentials?limit=100')).text).not.toContain('\ufffd');
    });

    it('refuses a form body on the token endpoint whose escapes are not UTF-8', async () => {
      const form = `grant_type=client_credentials&client_id=${TEST_ADMIN.clientId}&client_secret=%ED%A0%80`;
      const refused = await new HttpClient(broker.url).post('/v1/auth/token', undefined, { raw: form, contentType: 'application/x-www-form-urlencoded' });
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ error: 'invalid_request', error_description: 'The request body is not valid UTF-8' });
      const raw = await postBytes(broker.url, '/v1/auth/token', Buffer.concat([Buffer.from('grant_type=client_credentials&client_secret='), surrogate]), {
        'content-type': 'application/x-www-form-urlencoded',
      });
      expect(raw.status).toBe(400);
    });
  });

  describe("the errors Fastify and Node answer themselves, in the service's shape", () => {
    const host = () => new URL(broker.url).host;

    it('431 for headers over the limit', async () => {
      const answer = await rawRequest(broker.url, `GET /v1/tenants HTTP/1.1\r\nHost: ${host()}\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
      expect(answer.status).toBe(431);
      expect(answer.body).toEqual({ statusCode: 431, code: 'headers_too_large', message: expect.any(String) });
    });

    it('400 for a NUL in a header and for a request target HTTP cannot carry', async () => {
      const nul = await rawRequest(broker.url, `GET /v1/tenants HTTP/1.1\r\nHost: ${host()}\r\nX-Nul: a\0b\r\n\r\n`);
      expect(nul.status).toBe(400);
      expect(nul.body).toMatchObject({ statusCode: 400, code: 'bad_request' });
      const target = await rawRequest(broker.url, `GET /v1/ten ants HTTP/1.1\r\nHost: ${host()}\r\n\r\n`);
      expect(target.status).toBe(400);
      expect(target.body).toMatchObject({ statusCode: 400, code: 'bad_request' });
    });

    it('414, 400, 413 and 415 from the router and the body parser', async () => {
      const longParam = await admin.get(`/v1/tenants/${'a'.repeat(500)}`);
      expect(longParam.status).toBeGreaterThanOrEqual(400);
      expect(longParam.status).toBeLessThan(500);
      expect(longParam.body).toMatchObject({ statusCode: longParam.status, code: expect.any(String), message: expect.any(String) });
      const badUrl = await admin.get('/v1/tenants/%E0%A4%A');
      expect(badUrl.status).toBe(400);
      expect(badUrl.body).toMatchObject({ statusCode: 400, code: expect.any(String) });
      const tooLarge = await admin.post('/v1/tenants', { name: 'x'.repeat(70_000) });
      expect(tooLarge.body).toMatchObject({ statusCode: 413, code: 'body_too_large' });
      const text = await admin.post('/v1/tenants', undefined, { raw: 'hello', contentType: 'text/plain' });
      expect(text.body).toMatchObject({ statusCode: 415, code: 'unsupported_media_type' });
    });
  });

  describe('broker JWTs the broker would never issue', () => {
    /** The admin's own claims, signed with the broker's key, dated as a test needs. */
    async function mint(issuedAt: number, expiresAt: number): Promise<string> {
      const kid = (await new HttpClient(broker.url).get('/.well-known/jwks.json')).body.keys[0].kid;
      const { role, sv, sub } = claimsOf(await brokerToken(broker, TEST_ADMIN.clientId, TEST_ADMIN.clientSecret));
      return new SignJWT({ role, sv })
        .setProtectedHeader({ alg: 'ES256', kid })
        .setSubject(sub as string)
        .setIssuer('myinvois-broker')
        .setAudience('myinvois-broker')
        .setIssuedAt(issuedAt)
        .setExpirationTime(expiresAt)
        .sign(await importPKCS8(TEST_SIGNING_KEY, 'ES256'));
    }
    const now = () => Math.floor(Date.now() / 1000);

    it('refuses iat in the future beyond the skew, and exp further from iat than the longest lifetime issued', async () => {
      const future = await admin.get('/v1/tenants', { token: await mint(now() + 600, now() + 900) });
      expect(future.status).toBe(401);
      const century = await admin.get('/v1/tenants', { token: await mint(now() - 10, now() + 100 * 365 * 86_400) });
      expect(century.status).toBe(401);
      // A token as the broker issues them still works, so the refusals above are about the dates.
      const fine = await admin.get('/v1/tenants', { token: await mint(now() - 10, now() + 600) });
      expect(fine.status).toBe(200);
    });
  });

  it('logs request paths with the names of query parameters but not their values', async () => {
    const secretish = 'eyJpastedTokenValue';
    await admin.get(`/v1/tenants?tin=${secretish}&limit=5`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(broker.logs()).not.toContain(secretish);
    expect(broker.logs()).toMatch(/"url":"\/v1\/tenants\?tin=&limit="/);
  });

  it('serves /metrics to admins only: the series name every MyInvois client ID', async () => {
    expect((await service.get('/metrics')).status).toBe(403);
    expect((await admin.get('/metrics')).status).toBe(200);
  });
});
