import { decodeJwt } from 'jose';

/**
 * Every way a MyInvois login can end, as the broker acts on it (myinvois-identity.md, "Errors").
 * Pure: no I/O, so the rules are tested on their own.
 */
export type LoginOutcome =
  | LoginSuccess
  /** The credential is refused until a person fixes it: wrong secret, blocked or expired user. */
  | { kind: 'refused'; code: string; description: string; status: number }
  /** MyInvois says the request itself was malformed: a bug or a misconfiguration of the broker. */
  | { kind: 'request_error'; code: string; description: string; status: number }
  | { kind: 'rate_limited'; retryAfterMs: number; status: number }
  /** Worth retrying later: 5xx, timeouts, connection errors, answers that are not the expected JSON. */
  | { kind: 'transient'; reason: 'server_error' | 'timeout' | 'connection' | 'bad_response'; description: string; status?: number; retryAfterMs?: number };

export interface LoginSuccess {
  kind: 'success';
  accessToken: string;
  /** When the token expires: from `expires_in`, or `exp` if that is sooner. */
  expiresAt: Date;
  expiresInSeconds: number;
  /** From receipt to `expiresAt`: what a login gives, whichever of `exp` and `expires_in` is sooner. */
  lifetimeMs: number;
  scope: string;
  /** The taxpayer TIN claim (`TaxpayerTIN`, older tokens `TaxTin`), unverified: a hint only. */
  tinClaim: string | null;
  /** Set when `exp` and `expires_in` disagree by more than a minute. */
  expiryWarning?: string;
}

const REFUSED = new Set(['invalid_client', 'unauthorized_client', 'unauthorised_client', 'invalid_grant']);
const REQUEST_ERRORS = new Set(['invalid_request', 'unsupported_grant_type', 'invalid_scope']);
const DEFAULT_RETRY_AFTER_MS = 60_000;
/** A stated wait longer than this is taken as this: a wrong clock or header must not stop a client ID for days. */
export const MAX_RETRY_AFTER_MS = 3600_000;

export function classifyResponse(
  status: number,
  headers: Record<string, string | undefined>,
  body: string,
  requestedScope: string,
  now = Date.now(),
): LoginOutcome {
  if (status === 429) return { kind: 'rate_limited', retryAfterMs: retryAfter(headers, now), status };
  const json = parseJson(body);
  if (status === 200) {
    const token = success(json, requestedScope, now);
    if (!token) return { kind: 'transient', reason: 'bad_response', description: 'a 200 answer without a usable access token', status };
    // Never stored: it could serve no caller, and its due time would make the refresher log in again at once.
    if (token.lifetimeMs <= 0) return { kind: 'transient', reason: 'bad_response', description: 'a 200 answer with a token that has already expired', status };
    return token;
  }
  if (status >= 500) {
    // A 503 with Retry-After says when to come back; without one, the caller picks its own back-off.
    const stated = statedWait(headers, now);
    return {
      kind: 'transient',
      reason: 'server_error',
      description: describeBody(json, body, status),
      status,
      ...(stated === undefined ? {} : { retryAfterMs: stated }),
    };
  }
  if (status === 403) return { kind: 'refused', code: 'forbidden', description: describeBody(json, body, status), status };
  const error = typeof json?.error === 'string' ? json.error : undefined;
  const description = typeof json?.error_description === 'string' ? json.error_description.slice(0, 300) : '';
  if (error && REFUSED.has(error)) return { kind: 'refused', code: error === 'unauthorised_client' ? 'unauthorized_client' : error, description, status };
  if (error && REQUEST_ERRORS.has(error)) return { kind: 'request_error', code: error, description, status };
  // A 4xx that is not OAuth-shaped (a gateway's own page, an unknown error code).
  return { kind: 'transient', reason: 'bad_response', description: describeBody(json, body, status), status };
}

function success(json: Record<string, unknown> | undefined, requestedScope: string, now: number): LoginSuccess | undefined {
  const accessToken = json?.access_token;
  const expiresIn = Number(json?.expires_in);
  if (typeof accessToken !== 'string' || accessToken.length === 0 || !Number.isFinite(expiresIn) || expiresIn <= 0) return undefined;
  if (json?.token_type !== undefined && String(json.token_type).toLowerCase() !== 'bearer') return undefined;
  let claims: Record<string, unknown> = {};
  try {
    claims = decodeJwt(accessToken);
  } catch {
    // Not a JWT we can read: expiry comes from expires_in alone.
  }
  let expiresAtMs = now + expiresIn * 1000;
  let expiryWarning: string | undefined;
  if (typeof claims.exp === 'number') {
    const expMs = claims.exp * 1000;
    if (Math.abs(expMs - expiresAtMs) > 60_000) expiryWarning = `exp (${new Date(expMs).toISOString()}) and expires_in (${expiresIn} s) disagree`;
    // Never trust a token for longer than either says.
    expiresAtMs = Math.min(expiresAtMs, expMs);
  }
  const tin = typeof claims.TaxpayerTIN === 'string' ? claims.TaxpayerTIN : typeof claims.TaxTin === 'string' ? claims.TaxTin : null;
  return {
    kind: 'success',
    accessToken,
    expiresAt: new Date(expiresAtMs),
    expiresInSeconds: expiresIn,
    lifetimeMs: expiresAtMs - now,
    // MyInvois may leave out `scope` when it equals the request.
    scope: typeof json?.scope === 'string' ? json.scope : requestedScope,
    tinClaim: tin,
    ...(expiryWarning ? { expiryWarning } : {}),
  };
}

/** `Retry-After` (seconds or an HTTP date), else `X-Rate-Limit-Reset` (a date-time), else a minute; at most an hour. */
export function retryAfter(headers: Record<string, string | undefined>, now = Date.now()): number {
  return statedWait(headers, now) ?? DEFAULT_RETRY_AFTER_MS;
}

/** The wait MyInvois states in its headers, between 1 s and MAX_RETRY_AFTER_MS; undefined when it states none. */
function statedWait(headers: Record<string, string | undefined>, now: number): number | undefined {
  const retry = headers['retry-after'];
  if (retry !== undefined) {
    if (/^\d+(\.\d+)?$/.test(retry.trim())) return bounded(Number(retry) * 1000);
    const at = Date.parse(retry);
    if (!Number.isNaN(at)) return bounded(at - now);
  }
  const reset = headers['x-rate-limit-reset'];
  if (reset !== undefined) {
    const at = /^\d+$/.test(reset.trim()) ? Number(reset) * (Number(reset) > 1e12 ? 1 : 1000) : Date.parse(reset);
    if (!Number.isNaN(at)) return bounded(at - now);
  }
  return undefined;
}

function bounded(waitMs: number): number {
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(1000, Math.ceil(waitMs)));
}

function parseJson(body: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A short description of an unexpected answer, without echoing large or unknown bodies. */
function describeBody(json: Record<string, unknown> | undefined, body: string, status: number): string {
  const message = json?.error_description ?? json?.message ?? json?.error;
  if (typeof message === 'string') return `HTTP ${status}: ${message.slice(0, 200)}`;
  return `HTTP ${status}${body ? ` with a ${json ? 'JSON' : 'non-JSON'} body of ${body.length} bytes` : ''}`;
}
