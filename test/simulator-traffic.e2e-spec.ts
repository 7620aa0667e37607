import { ServiceProcess, startSimulator } from './support/processes';
import { eventually, loginForm, makeTaxpayer, SimulatorClient, uniqueId } from './support/simulator';

/** Short enough for a test to watch a slot free up again. */
const WINDOW_SECONDS = 2;
const DEFAULT_LIMIT = 3;

describe('MyInvois simulator: rate limit, faults and traffic counters', () => {
  let simulator: ServiceProcess;
  let sim: SimulatorClient;

  beforeAll(async () => {
    simulator = await startSimulator({
      SIMULATOR_RATE_LIMIT_PER_MINUTE: String(DEFAULT_LIMIT),
      SIMULATOR_RATE_LIMIT_WINDOW_SECONDS: String(WINDOW_SECONDS),
    });
    sim = new SimulatorClient(simulator.url);
  });

  afterEach(async () => {
    await sim.delete('/_sim/faults');
  });

  afterAll(async () => {
    await simulator?.stop();
  });

  /** A client whose own limit is out of the way, for tests about something else. */
  const roomyClient = () => sim.register(makeTaxpayer({ rateLimitPerMinute: 1000 }));

  describe('rate limit', () => {
    it('refuses the N+1th request in the window with 429 and the four headers, then frees a slot', async () => {
      const client = await sim.register(makeTaxpayer());
      const remaining: Array<string | null> = [];
      for (let i = 0; i < DEFAULT_LIMIT; i++) {
        const result = await sim.token(loginForm(client));
        expect(result.status).toBe(200);
        expect(result.headers.get('x-rate-limit-limit')).toBe(String(DEFAULT_LIMIT));
        // The reset comes only once the limit is exceeded, as MyInvois sends it.
        expect(result.headers.get('x-rate-limit-reset')).toBeNull();
        remaining.push(result.headers.get('x-rate-limit-remaining'));
      }
      expect(remaining).toEqual(['2', '1', '0']);

      const refused = await sim.token(loginForm(client));
      expect(refused.status).toBe(429);
      expect(refused.body.error).toBe('rate_limited');
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS);
      expect(refused.headers.get('x-rate-limit-limit')).toBe(String(DEFAULT_LIMIT));
      expect(refused.headers.get('x-rate-limit-remaining')).toBe('0');
      const reset = refused.headers.get('x-rate-limit-reset')!;
      // A date-time with seven fractional digits, as MyInvois writes it (2020-05-04T12:23:41.6181792Z).
      expect(reset).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$/);
      const resetAt = Date.parse(reset);
      expect(resetAt).toBeGreaterThan(Date.now() - 100);
      expect(resetAt).toBeLessThanOrEqual(Date.now() + WINDOW_SECONDS * 1000);

      await new Promise((wait) => setTimeout(wait, Math.max(0, resetAt - Date.now()) + 50));
      expect((await sim.token(loginForm(client))).status).toBe(200);
      expect(await sim.counters(client.clientId)).toMatchObject({ requests: 5, logins: 4, rateLimited: 1 });
    });

    it('counts refused logins against the limit, as a gateway does', async () => {
      const client = await sim.register(makeTaxpayer());
      for (let i = 0; i < DEFAULT_LIMIT; i++) expect((await sim.token(loginForm(client, { client_secret: 'wrong' }))).status).toBe(400);
      expect((await sim.token(loginForm(client))).status).toBe(429);
    });

    it("applies a client's own limit", async () => {
      const client = await sim.register(makeTaxpayer({ rateLimitPerMinute: 1 }));
      const first = await sim.token(loginForm(client));
      expect(first.headers.get('x-rate-limit-limit')).toBe('1');
      expect((await sim.token(loginForm(client))).status).toBe(429);
    });

    it('limits each client ID on its own, unknown and placeholder IDs included', async () => {
      const a = await sim.register(makeTaxpayer({ rateLimitPerMinute: 1 }));
      const b = await sim.register(makeTaxpayer({ rateLimitPerMinute: 1 }));
      expect((await sim.token(loginForm(a))).status).toBe(200);
      expect((await sim.token(loginForm(b))).status).toBe(200);

      const stranger = uniqueId('nobody');
      for (let i = 0; i < DEFAULT_LIMIT; i++) expect((await sim.token(loginForm(a, { client_id: stranger }))).status).toBe(400);
      expect((await sim.token(loginForm(a, { client_id: stranger }))).status).toBe(429);
    });

    it('does not let requests refused with 429 use up slots', async () => {
      const client = await sim.register(makeTaxpayer({ rateLimitPerMinute: 2 }));
      await sim.token(loginForm(client));
      await sim.token(loginForm(client));
      for (let i = 0; i < 5; i++) expect((await sim.token(loginForm(client))).status).toBe(429);
      await new Promise((wait) => setTimeout(wait, WINDOW_SECONDS * 1000 + 50));
      expect((await sim.token(loginForm(client))).status).toBe(200);
      expect((await sim.token(loginForm(client))).status).toBe(200);
      expect(await sim.counters(client.clientId)).toMatchObject({ requests: 9, logins: 4, rateLimited: 5 });
    });
  });

  describe('faults', () => {
    it('answers a status fault with 503 and {"error":"server_error"} by default, or the status given', async () => {
      const client = await roomyClient();
      expect((await sim.put(`/_sim/clients/${client.clientId}/faults`, { kind: 'status' })).body).toEqual({ kind: 'status', status: 503 });
      const result = await sim.token(loginForm(client));
      expect(result.status).toBe(503);
      expect(result.body).toEqual({ error: 'server_error' });

      await sim.put(`/_sim/clients/${client.clientId}/faults`, { kind: 'status', status: 500 });
      expect((await sim.token(loginForm(client))).status).toBe(500);
    });

    it('answers a non_json fault with an HTML page', async () => {
      const client = await roomyClient();
      await sim.put(`/_sim/clients/${client.clientId}/faults`, { kind: 'non_json' });
      const result = await sim.token(loginForm(client));
      expect(result.status).toBe(502);
      expect(result.headers.get('content-type')).toMatch(/^text\/html/);
      expect(result.text).toMatch(/^<html>/);
      expect(() => JSON.parse(result.text)).toThrow();
    });

    it('answers an empty fault with no body, and any answering fault with the Retry-After it was given', async () => {
      const client = await roomyClient();
      await sim.put(`/_sim/clients/${client.clientId}/faults`, { kind: 'empty', retryAfterSeconds: 30 });
      const result = await sim.token(loginForm(client));
      expect(result.status).toBe(403);
      expect(result.text).toBe('');
      expect(result.headers.get('retry-after')).toBe('30');
      await sim.put(`/_sim/clients/${client.clientId}/faults`, { kind: 'non_json', status: 403 });
      const page = await sim.token(loginForm(client));
      expect(page.status).toBe(403);
      expect(page.headers.get('retry-after')).toBeNull();
    });

    it('answers an oauth_error fault with the OAuth error it was given, "User blocked" as invalid_request for one', async () => {
      const client = await roomyClient();
      await sim.put(`/_sim/clients/${client.clientId}/faults`, { kind: 'oauth_error', error: 'invalid_request', description: 'User blocked' });
      const result = await sim.token(loginForm(client));
      expect(result.status).toBe(400);
      expect(result.body).toEqual({ error: 'invalid_request', error_description: 'User blocked' });
      expect((await sim.put(`/_sim/clients/${client.clientId}/faults`, { kind: 'oauth_error', error: 'Not A Code' })).status).toBe(400);
    });

    it('puts a correlationId on every answer that is not a token, and lists them with their status', async () => {
      const client = await sim.register(makeTaxpayer({ rateLimitPerMinute: 1 }));
      await sim.put(`/_sim/clients/${client.clientId}/faults`, { kind: 'gateway', status: 403, remaining: 1 });
      const fault = await sim.token(loginForm(client));
      const ok = await sim.token(loginForm(client));
      const limited = await sim.token(loginForm(client));
      const refused = await sim.token(loginForm(client, { client_secret: 'wrong' }));
      expect(ok.headers.get('correlationid')).toBeNull();
      const ids = [fault, limited, refused].map((answer) => answer.headers.get('correlationid'));
      for (const id of ids) expect(id).toMatch(/^[A-Z0-9]{16}-\d{4}$/);
      expect(new Set(ids).size).toBe(3);
      const failures = (await sim.get(`/_sim/clients/${client.clientId}/failures`)).body;
      expect(failures).toEqual([
        { at: expect.any(String), status: 403, correlationId: ids[0] },
        { at: expect.any(String), status: 429, correlationId: ids[1], retryAfterSeconds: Number(limited.headers.get('retry-after')) },
        { at: expect.any(String), status: 429, correlationId: ids[2], retryAfterSeconds: expect.any(Number) },
      ]);
      expect((await sim.get(`/_sim/clients/${uniqueId('nobody')}/failures`)).status).toBe(404);
    });

    it("answers a gateway fault with the gateway's own JSON, not OAuth", async () => {
      const client = await roomyClient();
      await sim.put(`/_sim/clients/${client.clientId}/faults`, { kind: 'gateway' });
      const result = await sim.token(loginForm(client));
      expect(result.status).toBe(502);
      expect(result.body).toEqual({ statusCode: 502, message: 'Bad Gateway' });

      await sim.put(`/_sim/clients/${client.clientId}/faults`, { kind: 'gateway', status: 504 });
      expect((await sim.token(loginForm(client))).body).toEqual({ statusCode: 504, message: 'Gateway Timeout' });
    });

    it('delays a latency fault, then answers as usual', async () => {
      const client = await roomyClient();
      await sim.put(`/_sim/clients/${client.clientId}/faults`, { kind: 'latency', latencyMs: 400 });
      const started = Date.now();
      const result = await sim.token(loginForm(client));
      expect(Date.now() - started).toBeGreaterThanOrEqual(390);
      expect(result.status).toBe(200);
      expect(result.body.token_type).toBe('Bearer');
      expect(await sim.counters(client.clientId)).toMatchObject({ faultsServed: 1, logins: 1 });
    });

    it('never answers a hang fault; the caller has to give up', async () => {
      const client = await roomyClient();
      await sim.put(`/_sim/clients/${client.clientId}/faults`, { kind: 'hang' });
      const started = Date.now();
      await expect(sim.token(loginForm(client), { signal: AbortSignal.timeout(500) })).rejects.toMatchObject({ name: 'TimeoutError' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(490);
      // Once the caller has gone, the request is no longer in flight.
      await eventually(async () => expect(await sim.counters(client.clientId)).toMatchObject({ requests: 1, faultsServed: 1, inFlight: 0, maxInFlight: 1 }));
    });

    it('serves a fault with `remaining` that many times, then clears it', async () => {
      const client = await roomyClient();
      await sim.put(`/_sim/clients/${client.clientId}/faults`, { kind: 'status', remaining: 2 });
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await sim.token(loginForm(client))).status);
      expect(statuses).toEqual([503, 503, 200, 200]);
      expect((await sim.get('/_sim/faults')).body.clients).not.toHaveProperty(client.clientId);
    });

    it('lets a per-client fault win over the global one, which still applies to everyone else', async () => {
      const special = await roomyClient();
      const ordinary = await roomyClient();
      await sim.put('/_sim/faults', { kind: 'status', status: 503 });
      await sim.put(`/_sim/clients/${special.clientId}/faults`, { kind: 'gateway', status: 502 });
      expect((await sim.token(loginForm(special))).body).toEqual({ statusCode: 502, message: 'Bad Gateway' });
      expect((await sim.token(loginForm(ordinary))).body).toEqual({ error: 'server_error' });

      // Clearing a client's fault lets the global one reach it again.
      await sim.put(`/_sim/clients/${special.clientId}/faults`, { kind: 'none' });
      expect((await sim.token(loginForm(special))).status).toBe(503);

      expect((await sim.delete('/_sim/faults')).status).toBe(204);
      expect((await sim.get('/_sim/faults')).body).toEqual({ global: null, clients: {} });
      expect((await sim.token(loginForm(ordinary))).status).toBe(200);
    });

    it('applies before any check of the request or the credentials', async () => {
      const client = await roomyClient();
      await sim.put(`/_sim/clients/${client.clientId}/faults`, { kind: 'status' });
      expect((await sim.token(loginForm(client, { client_secret: 'wrong' }))).status).toBe(503);
      expect((await sim.post('/connect/token', loginForm(client))).status).toBe(503);
      await sim.put('/_sim/faults', { kind: 'status', status: 500 });
      expect((await sim.token(loginForm(client, { client_id: 'YOUR_CLIENT_ID' }))).status).toBe(500);
    });

    it('does not count faults toward the rate limit', async () => {
      const client = await sim.register(makeTaxpayer({ rateLimitPerMinute: 2 }));
      await sim.put(`/_sim/clients/${client.clientId}/faults`, { kind: 'status', remaining: 5 });
      for (let i = 0; i < 5; i++) expect((await sim.token(loginForm(client))).status).toBe(503);
      expect((await sim.token(loginForm(client))).status).toBe(200);
      expect((await sim.token(loginForm(client))).status).toBe(200);
      expect((await sim.token(loginForm(client))).status).toBe(429);
      expect(await sim.counters(client.clientId)).toMatchObject({ requests: 8, faultsServed: 5, logins: 2, rateLimited: 1, failures: 0 });
    });

    it.each([
      [{ kind: 'flood' }, 'kind'],
      [{}, 'kind'],
      [{ kind: 'latency' }, 'latencyMs'],
      [{ kind: 'status', status: 404 }, 'status'],
      [{ kind: 'hang', remaining: 0 }, 'remaining'],
      [{ kind: 'status', extra: true }, 'extra'],
    ])('refuses the fault %j, naming %s', async (body, field) => {
      const result = await sim.put('/_sim/faults', body);
      expect(result.status).toBe(400);
      expect(result.body.errors.map((error: { field: string }) => error.field)).toContain(field);
    });
  });

  describe('counters', () => {
    it('tracks requests in flight per client and the most seen at once', async () => {
      const client = await roomyClient();
      const other = await roomyClient();
      await sim.put(`/_sim/clients/${client.clientId}/faults`, { kind: 'latency', latencyMs: 600 });
      const requests = Array.from({ length: 5 }, () => sim.token(loginForm(client)));
      await eventually(async () => expect((await sim.counters(client.clientId)).inFlight).toBe(5));
      expect((await sim.counters(other.clientId)).inFlight).toBe(0);

      const results = await Promise.all(requests);
      expect(results.map((result) => result.status)).toEqual([200, 200, 200, 200, 200]);
      await eventually(async () =>
        expect(await sim.counters(client.clientId)).toMatchObject({ requests: 5, logins: 5, faultsServed: 5, inFlight: 0, maxInFlight: 5 }),
      );
      expect((await sim.counters()).total.maxInFlight).toBeGreaterThanOrEqual(5);
    });

    it('zeroes counters, login logs and rate-limit windows on reset', async () => {
      const client = await sim.register(makeTaxpayer({ rateLimitPerMinute: 1 }));
      await sim.token(loginForm(client));
      expect((await sim.token(loginForm(client))).status).toBe(429);

      expect((await sim.post('/_sim/counters/reset')).status).toBe(204);
      expect(await sim.counters(client.clientId)).toMatchObject({ requests: 0, logins: 0, rateLimited: 0, maxInFlight: 0 });
      expect((await sim.get(`/_sim/clients/${client.clientId}/logins`)).body).toEqual([]);
      expect((await sim.counters()).total.requests).toBe(0);
      expect((await sim.token(loginForm(client))).status).toBe(200);
    });
  });
});

describe('MyInvois simulator: shutdown', () => {
  it('drops hung requests instead of waiting for them', async () => {
    const simulator = await startSimulator();
    const sim = new SimulatorClient(simulator.url);
    const client = await sim.register(makeTaxpayer());
    await sim.put('/_sim/faults', { kind: 'hang' });
    const hung = sim.token(loginForm(client)).then(
      () => 'answered',
      () => 'dropped',
    );
    await eventually(async () => expect((await sim.counters()).total.inFlight).toBe(1));

    const started = Date.now();
    expect(await simulator.stop()).toBe(0);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await hung).toBe('dropped');
  });
});
