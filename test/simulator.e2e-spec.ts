import { createLocalJWKSet, decodeProtectedHeader, JWTPayload, jwtVerify } from 'jose';
import { ServiceProcess, startSimulator } from './support/processes';
import { loginForm, makeIntermediary, makeTaxpayer, SimulatorClient, uniqueId } from './support/simulator';

const DEFAULT_ISSUER = 'https://preprod-identity.myinvois.hasil.gov.my';
/** The audience of MyInvois tokens (2025: the only one; 2024: beside InvoicingAPI). */
const RESOURCES = `${DEFAULT_ISSUER}/resources`;

describe('MyInvois simulator: token endpoint and control API', () => {
  let simulator: ServiceProcess;
  let sim: SimulatorClient;

  beforeAll(async () => {
    simulator = await startSimulator();
    sim = new SimulatorClient(simulator.url);
  });

  afterAll(async () => {
    await simulator?.stop();
  });

  /** Verifies the signature against the simulator's JWKS and returns the claims. */
  async function verifiedClaims(token: string): Promise<JWTPayload> {
    const jwks = await sim.get('/_sim/jwks');
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks.body), { issuer: DEFAULT_ISSUER, audience: RESOURCES, algorithms: ['RS256'] });
    return payload;
  }

  function expectOAuthError(result: { status: number; body: unknown }, error: string, description?: RegExp | string) {
    expect(result.status).toBe(400);
    expect(result.body).toEqual({ error, error_description: expect.any(String) });
    if (description !== undefined) expect((result.body as { error_description: string }).error_description).toMatch(description);
  }

  describe('taxpayer login', () => {
    it('issues a signed RS256 token with MyInvois claims for secret 1', async () => {
      const client = await sim.register(makeTaxpayer({ tin: 'C25845632020' }));
      const result = await sim.token(loginForm(client));

      expect(result.status).toBe(200);
      expect(result.body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600, scope: 'InvoicingAPI' });
      expect(result.headers.get('cache-control')).toBe('no-store');

      const header = decodeProtectedHeader(result.body.access_token);
      const jwks = (await sim.get('/_sim/jwks')).body;
      expect(header).toMatchObject({ alg: 'RS256', kid: jwks.keys[0].kid });

      const claims = await verifiedClaims(result.body.access_token);
      expect(claims).toMatchObject({
        iss: DEFAULT_ISSUER,
        aud: RESOURCES,
        scope: ['InvoicingAPI'],
        client_id: client.clientId,
        name: `C25845632020:${client.clientId}`,
        TaxpayerTIN: 'C25845632020',
        IsIntermediary: '0',
        IntermedTIN: '',
        IntermedROB: '',
        IsSystem: '1',
      });
      expect(claims.exp! - claims.iat!).toBe(result.body.expires_in);
      expect(claims.nbf).toBe(claims.iat);
      expect(Math.abs(claims.iat! - Date.now() / 1000)).toBeLessThan(10);
      expect(claims.jti).toEqual(expect.any(String));
      // The 2025 shape: aud a string, TaxpayerTIN; not the 2024 names.
      expect(claims.aud).toBe(RESOURCES);
      expect(claims).not.toHaveProperty('TaxTin');
      expect(claims).not.toHaveProperty('NatId');

      const logins = (await sim.get(`/_sim/clients/${client.clientId}/logins`)).body;
      expect(logins).toEqual([
        { at: expect.any(String), onBehalfOf: null, scope: 'InvoicingAPI', secret: 1, expiresAt: new Date(claims.exp! * 1000).toISOString(), jti: claims.jti },
      ]);
    });

    it('accepts the second secret too, records which one, and never issues the same token twice', async () => {
      const client = await sim.register(makeTaxpayer());
      const first = await sim.token(loginForm(client, { client_secret: client.secrets[1] }));
      const second = await sim.token(loginForm(client, { client_secret: client.secrets[1] }));

      expect(first.status).toBe(200);
      expect(second.status).toBe(200);
      expect(first.body.access_token).not.toBe(second.body.access_token);
      const [a, b] = await Promise.all([verifiedClaims(first.body.access_token), verifiedClaims(second.body.access_token)]);
      expect(a.jti).not.toBe(b.jti);

      const logins = (await sim.get(`/_sim/clients/${client.clientId}/logins`)).body;
      expect(logins.map((login: { secret: number; jti: string }) => [login.secret, login.jti])).toEqual([
        [2, a.jti],
        [2, b.jti],
      ]);
    });

    it('accepts a request without scope or with an empty one, and records what was sent', async () => {
      const client = await sim.register(makeTaxpayer());
      expect((await sim.token(loginForm(client, { scope: undefined }))).status).toBe(200);
      const empty = await sim.token(loginForm(client, { scope: '' }));
      expect(empty.status).toBe(200);
      expect(empty.body.scope).toBe('InvoicingAPI');
      const logins = (await sim.get(`/_sim/clients/${client.clientId}/logins`)).body;
      expect(logins.map((login: { scope: string | null }) => login.scope)).toEqual([null, '']);
    });

    it("uses the client's own token lifetime when it has one", async () => {
      const client = await sim.register(makeTaxpayer({ tokenTtlSeconds: 120 }));
      const result = await sim.token(loginForm(client));
      expect(result.body.expires_in).toBe(120);
      const claims = await verifiedClaims(result.body.access_token);
      expect(claims.exp! - claims.iat!).toBe(120);
    });
  });

  describe('refusals, always OAuth-shaped', () => {
    it('refuses a JSON body even with good credentials', async () => {
      const client = await sim.register(makeTaxpayer());
      const result = await sim.post('/connect/token', loginForm(client));
      expectOAuthError(result, 'invalid_request', /x-www-form-urlencoded/);
      expect((await sim.counters(client.clientId)).failures).toBe(1);
    });

    it('refuses malformed JSON, other content types and no body in OAuth terms, never 415', async () => {
      expectOAuthError(await sim.rawToken('{"client_id":', { 'content-type': 'application/json' }), 'invalid_request');
      expectOAuthError(await sim.rawToken('client_id=x', { 'content-type': 'text/plain' }), 'invalid_request', /text\/plain/);
      expectOAuthError(await sim.rawToken('<x/>', { 'content-type': 'application/xml' }), 'invalid_request', /application\/xml/);
      expectOAuthError(await sim.rawToken(undefined, {}), 'invalid_request', /no Content-Type/);
      expectOAuthError(
        await sim.rawToken('__proto__=x&grant_type=client_credentials', { 'content-type': 'application/x-www-form-urlencoded' }),
        'invalid_request',
      );
    });

    it('answers a wrong method with its own status, still OAuth-shaped', async () => {
      const result = await sim.get('/connect/token');
      expect(result.status).toBe(404);
      expect(result.body).toEqual({ error: 'invalid_request', error_description: expect.any(String) });
    });

    it('refuses credentials in an Authorization: Basic header', async () => {
      const client = await sim.register(makeTaxpayer());
      const basic = Buffer.from(`${client.clientId}:${client.secrets[0]}`).toString('base64');
      const result = await sim.token({ grant_type: 'client_credentials', scope: 'InvoicingAPI' }, { headers: { authorization: `Basic ${basic}` } });
      expectOAuthError(result, 'invalid_request', /Basic/);
      // Even with the credentials in the body as well.
      expectOAuthError(await sim.token(loginForm(client), { headers: { authorization: `Basic ${basic}` } }), 'invalid_request', /Basic/);
    });

    it('refuses a missing or unsupported grant type', async () => {
      const client = await sim.register(makeTaxpayer());
      expectOAuthError(await sim.token(loginForm(client, { grant_type: undefined })), 'invalid_request', /grant_type/);
      expectOAuthError(await sim.token(loginForm(client, { grant_type: 'password' })), 'unsupported_grant_type');
      expectOAuthError(await sim.token(loginForm(client, { grant_type: 'authorization_code' })), 'unsupported_grant_type');
    });

    it('refuses a scope other than InvoicingAPI', async () => {
      const client = await sim.register(makeTaxpayer());
      expectOAuthError(await sim.token(loginForm(client, { scope: 'openid' })), 'invalid_scope');
      expectOAuthError(await sim.token(loginForm(client, { scope: 'InvoicingAPI openid' })), 'invalid_scope');
      expectOAuthError(await sim.token(loginForm(client, { scope: 'invoicingapi' })), 'invalid_scope');
    });

    it('refuses a request missing client_id or client_secret', async () => {
      const client = await sim.register(makeTaxpayer());
      expectOAuthError(await sim.token(loginForm(client, { client_id: undefined })), 'invalid_request', /client_id/);
      expectOAuthError(await sim.token(loginForm(client, { client_secret: undefined })), 'invalid_request', /client_secret/);
    });

    it('blocks placeholder credentials and counts every such call', async () => {
      const client = await sim.register(makeTaxpayer());
      const before = (await sim.counters()).total.placeholderCalls;
      const placeholders: Array<Record<string, string>> = [
        { client_id: '' },
        { client_id: '0' },
        { client_id: 'YOUR_CLIENT_ID' },
        { client_id: 'your_client_id' },
        { client_id: 'null' },
        { client_id: 'undefined' },
        { client_secret: '' },
        { client_secret: '0' },
        { client_secret: 'YOUR_CLIENT_SECRET' },
        { client_secret: 'Undefined' },
      ];
      for (const placeholder of placeholders) {
        expectOAuthError(await sim.token(loginForm(client, placeholder)), 'invalid_client', 'Placeholder credentials are blocked');
      }
      expect((await sim.counters()).total.placeholderCalls).toBe(before + placeholders.length);
      // The four with the real client ID count against that client too.
      expect((await sim.counters(client.clientId)).placeholderCalls).toBe(4);
      expect((await sim.counters('YOUR_CLIENT_ID')).placeholderCalls).toBeGreaterThanOrEqual(1);
    });

    it('refuses an unknown client and a wrong secret alike', async () => {
      const client = await sim.register(makeTaxpayer());
      const unknown = await sim.token(loginForm(client, { client_id: uniqueId('nobody') }));
      const wrong = await sim.token(loginForm(client, { client_secret: 'not-the-secret' }));
      expectOAuthError(unknown, 'invalid_client');
      expectOAuthError(wrong, 'invalid_client');
      expect(unknown.body).toEqual(wrong.body);
      expect((await sim.counters(client.clientId)).placeholderCalls).toBe(0);
    });

    it('refuses a blocked client with invalid_request "User blocked", as the SDK shows it, and lets it in once unblocked', async () => {
      const client = await sim.register(makeTaxpayer({ blocked: true }));
      expectOAuthError(await sim.token(loginForm(client)), 'invalid_request', /^User blocked$/);
      expect((await sim.patch(`/_sim/clients/${client.clientId}`, { blocked: false })).status).toBe(200);
      expect((await sim.token(loginForm(client))).status).toBe(200);
    });

    it('counts refusals as failures, not as logins', async () => {
      const client = await sim.register(makeTaxpayer());
      await sim.token(loginForm(client, { client_secret: 'wrong' }));
      await sim.token(loginForm(client, { grant_type: 'password' }));
      await sim.token(loginForm(client));
      expect(await sim.counters(client.clientId)).toMatchObject({ requests: 3, logins: 1, failures: 2, rateLimited: 0 });
    });
  });

  describe('intermediary login', () => {
    it('binds the token to the taxpayer named by TIN', async () => {
      const client = await sim.register(makeIntermediary());
      const result = await sim.token(loginForm(client), { headers: { onbehalfof: 'C25845632020' } });
      expect(result.status).toBe(200);
      const claims = await verifiedClaims(result.body.access_token);
      expect(claims).toMatchObject({
        client_id: client.clientId,
        name: `C25845632020:${client.clientId}`,
        TaxpayerTIN: 'C25845632020',
        IsIntermediary: '1',
        IntermedTIN: client.tin,
        IntermedROB: client.brn,
      });
      const logins = (await sim.get(`/_sim/clients/${client.clientId}/logins`)).body;
      expect(logins).toMatchObject([{ onBehalfOf: 'C25845632020', secret: 1 }]);
    });

    it('binds the token to the TIN part of TIN:BRN', async () => {
      const client = await sim.register(makeIntermediary());
      const result = await sim.token(loginForm(client, { client_secret: client.secrets[1] }), { headers: { onbehalfof: 'IG12345678912:201901234567' } });
      expect(result.status).toBe(200);
      const claims = await verifiedClaims(result.body.access_token);
      expect(claims).toMatchObject({ TaxpayerTIN: 'IG12345678912', name: `IG12345678912:${client.clientId}`, IsIntermediary: '1' });
      const logins = (await sim.get(`/_sim/clients/${client.clientId}/logins`)).body;
      expect(logins).toMatchObject([{ onBehalfOf: 'IG12345678912:201901234567', secret: 2 }]);
    });

    it('leaves IntermedROB empty when the intermediary has no BRN', async () => {
      const client = await sim.register(makeIntermediary({ brn: undefined }));
      const result = await sim.token(loginForm(client), { headers: { onbehalfof: 'C25845632020' } });
      const claims = await verifiedClaims(result.body.access_token);
      expect(claims.IntermedTIN).toBe(client.tin);
      expect(claims.IntermedROB).toBe('');
    });

    it('issues the 2024 shape to a client registered with tokenShape 2024: aud an array, TaxTin, no IntermedROB', async () => {
      const client = await sim.register(makeIntermediary({ tokenShape: '2024' }));
      const result = await sim.token(loginForm(client), { headers: { onbehalfof: 'C25845632020' } });
      const claims = await verifiedClaims(result.body.access_token);
      expect(claims).toMatchObject({ aud: ['InvoicingAPI', RESOURCES], TaxTin: 'C25845632020', IsIntermediary: '1', IntermedTIN: client.tin, NatId: '' });
      expect(claims).not.toHaveProperty('TaxpayerTIN');
      expect(claims).not.toHaveProperty('IntermedROB');
      expect((await sim.patch(`/_sim/clients/${client.clientId}`, { tokenShape: '1999' })).status).toBe(400);
    });

    it('requires the onbehalfof header', async () => {
      const client = await sim.register(makeIntermediary());
      expectOAuthError(await sim.token(loginForm(client)), 'invalid_request', /onbehalfof/);
    });

    it.each(['C2584563202', 'c25845632020', 'C25845632020:2019', 'C25845632020:201901234567:1', 'EI00000000010', 'nonsense'])(
      'refuses a malformed onbehalfof %j',
      async (onbehalfof) => {
        const client = await sim.register(makeIntermediary({ allowedOnBehalfOf: ['C25845632020'] }));
        expectOAuthError(await sim.token(loginForm(client), { headers: { onbehalfof } }), 'invalid_request', /onbehalfof/);
      },
    );

    it('refuses a taxpayer the intermediary is not authorised for', async () => {
      const client = await sim.register(makeIntermediary({ allowedOnBehalfOf: ['C25845632020:201901234567'] }));
      const other = await sim.token(loginForm(client), { headers: { onbehalfof: 'C1234567890' } });
      expectOAuthError(other, 'unauthorized_client', 'Intermediary is not authorised to act on behalf of C1234567890');
      // A TIN:BRN entry does not cover the bare TIN.
      expectOAuthError(await sim.token(loginForm(client), { headers: { onbehalfof: 'C25845632020' } }), 'unauthorized_client');

      expect((await sim.patch(`/_sim/clients/${client.clientId}`, { allowedOnBehalfOf: ['C1234567890'] })).status).toBe(200);
      expect((await sim.token(loginForm(client), { headers: { onbehalfof: 'C1234567890' } })).status).toBe(200);
    });

    it('refuses onbehalfof from a taxpayer system', async () => {
      const client = await sim.register(makeTaxpayer({ tin: 'C25845632020' }));
      expectOAuthError(await sim.token(loginForm(client), { headers: { onbehalfof: 'C25845632020' } }), 'invalid_request', /taxpayer/);
    });
  });

  describe('control API', () => {
    it('registers with 201, replaces with 200, and the replacement takes effect', async () => {
      const client = makeTaxpayer();
      const created = await sim.post('/_sim/clients', client);
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        ...client,
        brn: null,
        allowedOnBehalfOf: [],
        blocked: false,
        rateLimitPerMinute: null,
        tokenTtlSeconds: null,
        tokenShape: '2025',
      });

      const replaced = await sim.post('/_sim/clients', { ...client, secrets: ['brand-new'] });
      expect(replaced.status).toBe(200);
      expect(replaced.body.secrets).toEqual(['brand-new']);
      expectOAuthError(await sim.token(loginForm(client)), 'invalid_client');
      expect((await sim.token(loginForm(client, { client_secret: 'brand-new' }))).status).toBe(200);
    });

    it('lists, reads, updates and deletes clients', async () => {
      const client = await sim.register(makeIntermediary());
      expect((await sim.get('/_sim/clients')).body.map((c: { clientId: string }) => c.clientId)).toContain(client.clientId);
      expect((await sim.get(`/_sim/clients/${client.clientId}`)).body).toMatchObject({ clientId: client.clientId, kind: 'intermediary', brn: client.brn });

      const updated = await sim.patch(`/_sim/clients/${client.clientId}`, { secrets: ['x1', 'x2'], rateLimitPerMinute: 5, tokenTtlSeconds: 60 });
      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({ secrets: ['x1', 'x2'], rateLimitPerMinute: 5, tokenTtlSeconds: 60 });
      const reset = await sim.patch(`/_sim/clients/${client.clientId}`, { rateLimitPerMinute: null, tokenTtlSeconds: null });
      expect(reset.body).toMatchObject({ rateLimitPerMinute: null, tokenTtlSeconds: null });

      expect((await sim.delete(`/_sim/clients/${client.clientId}`)).status).toBe(204);
      expect((await sim.get(`/_sim/clients/${client.clientId}`)).status).toBe(404);
      expectOAuthError(await sim.token(loginForm(client, { client_secret: 'x1' }), { headers: { onbehalfof: 'C25845632020' } }), 'invalid_client');
    });

    it('answers 404 for an unknown client ID everywhere', async () => {
      const unknown = uniqueId('nobody');
      for (const result of [
        await sim.get(`/_sim/clients/${unknown}`),
        await sim.patch(`/_sim/clients/${unknown}`, { blocked: true }),
        await sim.delete(`/_sim/clients/${unknown}`),
        await sim.get(`/_sim/clients/${unknown}/counters`),
        await sim.get(`/_sim/clients/${unknown}/logins`),
        await sim.put(`/_sim/clients/${unknown}/faults`, { kind: 'hang' }),
      ]) {
        expect(result.status).toBe(404);
        expect(result.body.code).toBe('simulated_client_not_found');
      }
    });

    it.each([
      [{ secrets: ['a'], kind: 'taxpayer', tin: 'C1234567890' }, 'clientId', /required/],
      [{ clientId: 'a', kind: 'taxpayer', tin: 'C1234567890' }, 'secrets', /required/],
      [{ clientId: 'a', secrets: ['1', '2', '3'], kind: 'taxpayer', tin: 'C1234567890' }, 'secrets', /one or two/],
      [{ clientId: 'a', secrets: ['same', 'same'], kind: 'taxpayer', tin: 'C1234567890' }, 'secrets', /differ/],
      [{ clientId: 'a', secrets: ['YOUR_CLIENT_SECRET'], kind: 'taxpayer', tin: 'C1234567890' }, 'secrets', /placeholder/],
      [{ clientId: '0', secrets: ['s'], kind: 'taxpayer', tin: 'C1234567890' }, 'clientId', /placeholder/],
      [{ clientId: 'a', secrets: ['s'], kind: 'bank', tin: 'C1234567890' }, 'kind', /taxpayer, intermediary/],
      [{ clientId: 'a', secrets: ['s'], kind: 'taxpayer', tin: 'C1234567891' }, 'tin', /ends in 0/],
      [{ clientId: 'a', secrets: ['s'], kind: 'taxpayer', tin: 'C1234567890', brn: '123' }, 'brn', /12 digits/],
      [{ clientId: 'a', secrets: ['s'], kind: 'taxpayer', tin: 'C1234567890', allowedOnBehalfOf: ['C25845632020'] }, 'allowedOnBehalfOf', /intermediary/],
      [
        { clientId: 'a', secrets: ['s'], kind: 'intermediary', tin: 'C1234567890', allowedOnBehalfOf: ['C1', 'X'] },
        'allowedOnBehalfOf',
        /allowedOnBehalfOf\[0\]/,
      ],
      [{ clientId: 'a', secrets: ['s'], kind: 'taxpayer', tin: 'C1234567890', rateLimitPerMinute: 0 }, 'rateLimitPerMinute', /at least 1|not be less than 1/],
      [{ clientId: 'a', secrets: ['s'], kind: 'taxpayer', tin: 'C1234567890', colour: 'blue' }, 'colour', /not a known field/],
    ])('refuses registration %j, naming %s', async (body, field, message) => {
      const result = await sim.post('/_sim/clients', body);
      expect(result.status).toBe(400);
      expect(result.body.code).toBe('validation_failed');
      const problem = result.body.errors.find((error: { field: string }) => error.field === field);
      expect(problem?.message).toMatch(message);
    });

    it('refuses an empty update and allowedOnBehalfOf on a taxpayer', async () => {
      const client = await sim.register(makeTaxpayer());
      const empty = await sim.patch(`/_sim/clients/${client.clientId}`, {});
      expect(empty.status).toBe(400);
      expect(empty.body.errors[0].field).toBe('body');
      const misplaced = await sim.patch(`/_sim/clients/${client.clientId}`, { allowedOnBehalfOf: ['C25845632020'] });
      expect(misplaced.status).toBe(400);
      expect(misplaced.body.errors[0].field).toBe('allowedOnBehalfOf');
    });

    it('lists registered clients in the counters before their first request', async () => {
      const client = await sim.register(makeTaxpayer());
      const counters = await sim.counters();
      expect(counters.clients[client.clientId]).toEqual({
        requests: 0,
        logins: 0,
        failures: 0,
        rateLimited: 0,
        faultsServed: 0,
        placeholderCalls: 0,
        inFlight: 0,
        maxInFlight: 0,
      });
    });

    it('answers health and serves one RS256 public key', async () => {
      expect((await sim.get('/_sim/health')).body).toEqual({ ok: true });
      const jwks = (await sim.get('/_sim/jwks')).body;
      expect(jwks.keys).toHaveLength(1);
      expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: expect.any(String) });
      expect(jwks.keys[0]).not.toHaveProperty('d');
    });
  });
});
