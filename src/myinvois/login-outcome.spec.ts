import { generateKeyPair, SignJWT } from 'jose';
import { classifyResponse, retryAfter } from './login-outcome';

const NOW = Date.parse('2026-11-25T10:00:00Z');

async function jwt(claims: Record<string, unknown>, expSecondsFromNow = 3600): Promise<string> {
  const { privateKey } = await generateKeyPair('RS256');
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256' })
    .setIssuedAt(NOW / 1000)
    .setExpirationTime(NOW / 1000 + expSecondsFromNow)
    .sign(privateKey);
}

describe('classifying MyInvois login answers', () => {
  it('reads a success: expiry from expires_in, the TIN claim, the scope', async () => {
    const token = await jwt({ TaxpayerTIN: 'C1234567890' });
    const outcome = classifyResponse(
      200,
      {},
      JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 3600, scope: 'InvoicingAPI' }),
      'InvoicingAPI',
      NOW,
    );
    expect(outcome).toEqual({
      kind: 'success',
      accessToken: token,
      expiresAt: new Date(NOW + 3600_000),
      expiresInSeconds: 3600,
      lifetimeMs: 3600_000,
      scope: 'InvoicingAPI',
      tinClaim: 'C1234567890',
    });
  });

  it('falls back to TaxTin, to the requested scope, and to the sooner of exp and expires_in', async () => {
    const token = await jwt({ TaxTin: 'IG123' }, 600);
    const outcome = classifyResponse(200, {}, JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 3600 }), 'InvoicingAPI', NOW);
    expect(outcome).toMatchObject({ kind: 'success', tinClaim: 'IG123', scope: 'InvoicingAPI', expiresAt: new Date(NOW + 600_000), lifetimeMs: 600_000 });
    expect(outcome.kind === 'success' && outcome.expiryWarning).toMatch(/disagree/);
  });

  it.each([
    ['exp in the past', -30],
    ['exp right now', 0],
  ])('takes a 200 whose token has already expired (%s) as a bad response, never a success', async (_case, expSecondsFromNow) => {
    const token = await jwt({ TaxpayerTIN: 'C1234567890' }, expSecondsFromNow);
    const outcome = classifyResponse(200, {}, JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 3600 }), 'InvoicingAPI', NOW);
    expect(outcome).toMatchObject({ kind: 'transient', reason: 'bad_response', description: expect.stringMatching(/already expired/) });
  });

  it.each([
    [400, { error: 'invalid_client', error_description: 'User blocked' }, 'refused', 'invalid_client'],
    [400, { error: 'unauthorised_client' }, 'refused', 'unauthorized_client'],
    [400, { error: 'invalid_grant' }, 'refused', 'invalid_grant'],
    [403, { message: 'Forbidden' }, 'refused', 'forbidden'],
    [400, { error: 'invalid_request' }, 'request_error', 'invalid_request'],
    [400, { error: 'unsupported_grant_type' }, 'request_error', 'unsupported_grant_type'],
    [400, { error: 'invalid_scope' }, 'request_error', 'invalid_scope'],
  ])('%i %j is %s', (status, body, kind, code) => {
    expect(classifyResponse(status, {}, JSON.stringify(body), 'InvoicingAPI', NOW)).toMatchObject({ kind, code });
  });

  it.each([
    [500, '{"error":"server_error"}', 'server_error'],
    [502, '{"statusCode":502,"message":"Bad Gateway"}', 'server_error'],
    [503, '<html>down</html>', 'server_error'],
    [200, '<html>maintenance</html>', 'bad_response'],
    [200, '{"token_type":"Bearer"}', 'bad_response'],
    [200, '{"access_token":"x","expires_in":0}', 'bad_response'],
    [200, '{"access_token":"x","expires_in":-5}', 'bad_response'],
    [404, 'not found', 'bad_response'],
    [400, '{"error":"something_new"}', 'bad_response'],
  ])('%i %s is transient (%s)', (status, body, reason) => {
    expect(classifyResponse(status, {}, body, 'InvoicingAPI', NOW)).toMatchObject({ kind: 'transient', reason });
  });

  it('takes the wait of a 429 from Retry-After, else X-Rate-Limit-Reset, else a minute', () => {
    expect(classifyResponse(429, { 'retry-after': '17' }, '', '', NOW)).toEqual({ kind: 'rate_limited', retryAfterMs: 17_000, status: 429 });
    expect(retryAfter({ 'x-rate-limit-reset': new Date(NOW + 42_000).toISOString() }, NOW)).toBe(42_000);
    expect(retryAfter({ 'retry-after': new Date(NOW + 5_000).toUTCString() }, NOW)).toBe(5_000);
    expect(retryAfter({}, NOW)).toBe(60_000);
    expect(retryAfter({ 'retry-after': '0' }, NOW)).toBe(1000);
  });

  it('honours Retry-After on 5xx answers too, and leaves the wait to the caller when none is stated', () => {
    expect(classifyResponse(503, { 'retry-after': '30' }, '<html>down</html>', '', NOW)).toMatchObject({
      kind: 'transient',
      reason: 'server_error',
      retryAfterMs: 30_000,
    });
    expect(classifyResponse(500, { 'retry-after': new Date(NOW + 8_000).toUTCString() }, '', '', NOW)).toMatchObject({
      kind: 'transient',
      retryAfterMs: 8_000,
    });
    expect(classifyResponse(502, {}, '', '', NOW)).not.toHaveProperty('retryAfterMs');
  });

  it('caps a stated wait at an hour, however far away it says', () => {
    expect(retryAfter({ 'retry-after': '999999999999999999999' }, NOW)).toBe(3600_000);
    expect(retryAfter({ 'retry-after': new Date(NOW + 30 * 86_400_000).toUTCString() }, NOW)).toBe(3600_000);
    expect(retryAfter({ 'x-rate-limit-reset': '9999-12-31T23:59:59Z' }, NOW)).toBe(3600_000);
    expect(retryAfter({ 'x-rate-limit-reset': String(Math.floor(NOW / 1000) + 10 ** 9) }, NOW)).toBe(3600_000);
    expect(classifyResponse(503, { 'retry-after': '86400' }, '', '', NOW)).toMatchObject({ retryAfterMs: 3600_000 });
    expect(classifyResponse(429, { 'retry-after': '86400' }, '', '', NOW)).toMatchObject({ retryAfterMs: 3600_000 });
  });

  it('never puts a body it did not understand into its description in full', () => {
    const outcome = classifyResponse(502, {}, 'x'.repeat(10_000), '', NOW);
    expect(outcome.kind === 'transient' && outcome.description.length).toBeLessThan(100);
  });
});
