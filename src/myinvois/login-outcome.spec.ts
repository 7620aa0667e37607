import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPair, SignJWT } from 'jose';
import { CLASSIFICATION, classify, LoginAsked, retryAfter, UpstreamAnswer } from './login-outcome';

const NOW = Date.parse('2026-11-25T10:00:00Z');
const TAXPAYER: LoginAsked = { scope: 'InvoicingAPI', onBehalfOf: false };
const INTERMEDIARY: LoginAsked = { scope: 'InvoicingAPI', onBehalfOf: true };
/** The example of myinvois-identity.md ("Answers seen in the wild"). */
const CORRELATION_ID = 'JHDSJ8882POY72SG-2828';

async function jwt(claims: Record<string, unknown>, expSecondsFromNow = 3600): Promise<string> {
  const { privateKey } = await generateKeyPair('RS256');
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256' })
    .setIssuedAt(NOW / 1000)
    .setExpirationTime(NOW / 1000 + expSecondsFromNow)
    .sign(privateKey);
}

const response = (status: number, body: string | object, headers: Record<string, string> = {}): UpstreamAnswer => ({
  kind: 'response',
  status,
  headers: { correlationid: CORRELATION_ID, ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

/** An HTML page as MyInvois's gateway has answered during maintenance. */
const MAINTENANCE_PAGE = '<html><head><title>Maintenance</title></head><body><h1>MyInvois is under scheduled maintenance</h1></body></html>';

describe('the classification table: every answer of /connect/token, one row each', () => {
  it('row 1: a timeout is transient', () => {
    expect(classify({ kind: 'timeout', description: 'no complete answer within 10000 ms' }, TAXPAYER, NOW)).toEqual({
      kind: 'transient',
      reason: 'timeout',
      description: 'no complete answer within 10000 ms',
      correlationId: null,
    });
  });

  it('row 2: a connection failure is transient', () => {
    expect(classify({ kind: 'connection', description: 'connection failed (ECONNRESET)' }, TAXPAYER, NOW)).toMatchObject({
      kind: 'transient',
      reason: 'connection',
    });
  });

  it('row 3: an answer the broker gave up on (shutting down) is transient, and says so', () => {
    expect(classify({ kind: 'abandoned' }, TAXPAYER, NOW)).toMatchObject({ kind: 'transient', reason: 'abandoned' });
  });

  it('row 4: 429 is rate limited, whatever the body, waiting Retry-After, else X-Rate-Limit-Reset with its seven-digit fraction, else a minute', () => {
    expect(classify(response(429, '', { 'retry-after': '17' }), TAXPAYER, NOW)).toEqual({
      kind: 'rate_limited',
      retryAfterMs: 17_000,
      status: 429,
      correlationId: CORRELATION_ID,
    });
    const reset = new Date(NOW + 42_000).toISOString().replace('Z', '6181Z');
    expect(reset).toMatch(/\.\d{7}Z$/);
    expect(
      classify(
        response(429, '<html>slow down</html>', { 'x-rate-limit-reset': reset, 'x-rate-limit-limit': '12', 'x-rate-limit-remaining': '0' }),
        TAXPAYER,
        NOW,
      ),
    ).toMatchObject({
      kind: 'rate_limited',
      retryAfterMs: 42_000,
    });
    expect(classify(response(429, { error: 'invalid_client' }), TAXPAYER, NOW)).toMatchObject({ kind: 'rate_limited', retryAfterMs: 60_000 });
  });

  it.each([
    [500, { error: 'server_error' }],
    [502, { statusCode: 502, message: 'Bad Gateway' }],
    [503, MAINTENANCE_PAGE],
    [504, ''],
  ])('row 5: %i is transient (server_error), whatever the body, honouring a stated wait', (status, body) => {
    expect(classify(response(status, body, { 'retry-after': '30' }), TAXPAYER, NOW)).toMatchObject({
      kind: 'transient',
      reason: 'server_error',
      status,
      retryAfterMs: 30_000,
      correlationId: CORRELATION_ID,
    });
    expect(classify(response(status, body), TAXPAYER, NOW)).not.toHaveProperty('retryAfterMs');
  });

  it('row 6: 200 with a token is a success: expiry from expires_in (or a sooner exp), the TIN claim, the scope', async () => {
    const token = await jwt({ TaxpayerTIN: 'C1234567890' });
    const outcome = classify(response(200, { access_token: token, token_type: 'Bearer', expires_in: 3600, scope: 'InvoicingAPI' }), TAXPAYER, NOW);
    expect(outcome).toMatchObject({
      kind: 'success',
      accessToken: token,
      expiresAt: new Date(NOW + 3600_000),
      expiresInSeconds: 3600,
      lifetimeMs: 3600_000,
      scope: 'InvoicingAPI',
      tinClaim: 'C1234567890',
      correlationId: CORRELATION_ID,
    });
    const short = await jwt({ TaxTin: 'IG123' }, 600);
    const sooner = classify(response(200, { access_token: short, token_type: 'Bearer', expires_in: 3600 }), TAXPAYER, NOW);
    expect(sooner).toMatchObject({ kind: 'success', tinClaim: 'IG123', scope: 'InvoicingAPI', expiresAt: new Date(NOW + 600_000), lifetimeMs: 600_000 });
    expect(sooner.kind === 'success' && sooner.expiryWarning).toMatch(/disagree/);
  });

  it.each([
    ['an HTML page', MAINTENANCE_PAGE],
    ['no token', '{"token_type":"Bearer"}'],
    ['expires_in 0', '{"access_token":"x","expires_in":0}'],
    ['expires_in negative', '{"access_token":"x","expires_in":-5}'],
  ])('row 7: 200 with %s is transient (bad_response)', (_case, body) => {
    expect(classify(response(200, body), TAXPAYER, NOW)).toMatchObject({ kind: 'transient', reason: 'bad_response', status: 200 });
  });

  it.each([
    ['in the past', -30],
    ['right now', 0],
  ])('row 7: 200 with a token that has already expired (exp %s) is never a success', async (_case, expSecondsFromNow) => {
    const token = await jwt({ TaxpayerTIN: 'C1234567890' }, expSecondsFromNow);
    expect(classify(response(200, { access_token: token, token_type: 'Bearer', expires_in: 3600 }), TAXPAYER, NOW)).toMatchObject({
      kind: 'transient',
      reason: 'bad_response',
      description: expect.stringMatching(/already expired/),
    });
  });

  it.each(['unauthorized_client', 'unauthorised_client'])('row 8: %s on an intermediary login is "not authorised" for that one taxpayer', (error) => {
    expect(classify(response(400, { error, error_description: 'Intermediary is not authorised to act on behalf of C25845632020' }), INTERMEDIARY, NOW)).toEqual(
      {
        kind: 'not_authorised',
        code: 'unauthorized_client',
        description: 'Intermediary is not authorised to act on behalf of C25845632020',
        status: 400,
        correlationId: CORRELATION_ID,
      },
    );
  });

  it.each([
    [400, 'invalid_client', 'Invalid client credentials', 'invalid_client', false],
    [401, 'invalid_client', '', 'invalid_client', false],
    [400, 'unauthorised_client', '', 'unauthorized_client', false],
    [400, 'invalid_grant', '', 'invalid_grant', false],
    [403, 'invalid_client', 'Production credentials are not valid here', 'invalid_client', false],
    [400, 'invalid_client', 'User blocked', 'invalid_client', true],
  ])('row 9: %i %s (%j) refuses the credential', (status, error, description, code, everySecret) => {
    expect(classify(response(status, { error, error_description: description }), TAXPAYER, NOW)).toEqual({
      kind: 'refused',
      code,
      description,
      status,
      correlationId: CORRELATION_ID,
      everySecret,
    });
  });

  it.each(['User blocked', 'user is blocked', 'System user expired', 'The client secret has expired'])(
    'row 10: invalid_request with "%s" refuses the credential, every secret of it',
    (description) => {
      expect(classify(response(400, { error: 'invalid_request', error_description: description }), TAXPAYER, NOW)).toMatchObject({
        kind: 'refused',
        code: 'invalid_request',
        description,
        everySecret: true,
      });
    },
  );

  it.each([
    ['invalid_request', 'An intermediary system must name the taxpayer in the onbehalfof header'],
    ['invalid_request', undefined],
    ['unsupported_grant_type', 'grant_type password is not supported'],
    ['invalid_scope', 'scope X is not known'],
  ])('row 11: %s (%s) is a request error, waiting a stated Retry-After', (error, description) => {
    expect(classify(response(400, description === undefined ? { error } : { error, error_description: description }), TAXPAYER, NOW)).toEqual({
      kind: 'request_error',
      code: error,
      description: description ?? '',
      status: 400,
      correlationId: CORRELATION_ID,
    });
    expect(classify(response(400, { error }, { 'retry-after': '20' }), TAXPAYER, NOW)).toMatchObject({ kind: 'request_error', retryAfterMs: 20_000 });
  });

  it.each([
    ['a 403 maintenance page', 403, MAINTENANCE_PAGE],
    ['an empty 403', 403, ''],
    ['a gateway JSON 403', 403, { statusCode: 403, message: 'Forbidden' }],
    ['a 403 in the shape of a web framework', 403, { statusCode: 403, message: 'Forbidden resource', error: 'Forbidden' }],
    ['a bare 400 (Basic auth seen answered so)', 400, ''],
    ['an unknown OAuth code', 400, { error: 'something_new' }],
    ['an error that is not a string', 400, { error: 42 }],
    ['a description that is not a string', 400, { error: 'invalid_client', error_description: { text: 'x' } }],
    ['a JSON array', 400, '[{"error":"invalid_client"}]'],
    ['a 404', 404, 'not found'],
    ['a redirect', 302, ''],
  ])('row 12: %s says nothing about the credential: transient', (_case, status, body) => {
    const outcome = classify(response(status, body), TAXPAYER, NOW);
    expect(outcome).toMatchObject({ kind: 'transient', reason: 'gateway', status, correlationId: CORRELATION_ID });
  });

  it('row 12: a maintenance page with Retry-After is honoured', () => {
    expect(classify(response(403, MAINTENANCE_PAGE, { 'retry-after': '120' }), TAXPAYER, NOW)).toMatchObject({ kind: 'transient', retryAfterMs: 120_000 });
  });

  it('has twelve rows, each named once, the last one taking whatever the others leave', () => {
    expect(CLASSIFICATION).toHaveLength(12);
    expect(new Set(CLASSIFICATION.map((rule) => rule.answer)).size).toBe(CLASSIFICATION.length);
    expect(CLASSIFICATION[CLASSIFICATION.length - 1].matches({} as never)).toBe(true);
  });

  it('is the table README.md shows', () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const missing = CLASSIFICATION.map((rule) => `| ${rule.answer} | ${rule.kind} |`).filter((row) => !readme.includes(row));
    expect(missing).toEqual([]);
  });
});

describe('what an answer carries along', () => {
  it('keeps the correlationId header, whatever its case arrived in, only when it is short printable text', () => {
    expect(classify(response(403, ''), TAXPAYER, NOW).correlationId).toBe(CORRELATION_ID);
    const bare = (headers: Record<string, string>): UpstreamAnswer => ({ kind: 'response', status: 403, headers, body: '' });
    expect(classify(bare({}), TAXPAYER, NOW).correlationId).toBeNull();
    expect(classify(bare({ correlationid: 'x'.repeat(500) }), TAXPAYER, NOW).correlationId).toBeNull();
    expect(classify(bare({ correlationid: 'bad\nvalue' }), TAXPAYER, NOW).correlationId).toBeNull();
  });

  it('caps a stated wait at an hour, however far away it says, and waits at least a second', () => {
    expect(retryAfter({ 'retry-after': '999999999999999999999' }, NOW)).toBe(3600_000);
    expect(retryAfter({ 'retry-after': new Date(NOW + 30 * 86_400_000).toUTCString() }, NOW)).toBe(3600_000);
    expect(retryAfter({ 'x-rate-limit-reset': '9999-12-31T23:59:59Z' }, NOW)).toBe(3600_000);
    expect(retryAfter({ 'x-rate-limit-reset': String(Math.floor(NOW / 1000) + 10 ** 9) }, NOW)).toBe(3600_000);
    expect(retryAfter({ 'retry-after': new Date(NOW + 5_000).toUTCString() }, NOW)).toBe(5_000);
    expect(retryAfter({ 'retry-after': '0' }, NOW)).toBe(1000);
    expect(retryAfter({}, NOW)).toBe(60_000);
  });

  it('never puts a body it did not understand into its description in full', () => {
    const outcome = classify(response(502, 'x'.repeat(10_000)), TAXPAYER, NOW);
    expect(outcome.kind === 'transient' && outcome.description.length).toBeLessThan(100);
    const oauth = classify(response(400, { error: 'invalid_request', error_description: 'y'.repeat(10_000) }), TAXPAYER, NOW);
    expect(oauth.kind === 'request_error' && oauth.description.length).toBe(300);
  });
});
