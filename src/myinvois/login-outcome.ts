import { readTokenClaims, TokenClaims } from './token-claims';

/**
 * Every way a MyInvois login can end, as the broker acts on it. Pure: no I/O, so the rules are
 * tested on their own. `CLASSIFICATION` below is the table that decides, row by row; README.md
 * shows the same table.
 */
export type LoginOutcome = LoginSuccess | LoginFailure;

export type LoginFailure =
  /** The credential is refused until a person fixes it: a wrong secret, a blocked or expired user. */
  | (Upstream & { kind: 'refused'; code: string; description: string; status: number; everySecret: boolean })
  /** An intermediary may not act for this one taxpayer (not authorised in the portal): that tenant only. */
  | (Upstream & { kind: 'not_authorised'; code: string; description: string; status: number })
  /** MyInvois says the request itself was malformed: a bug or a misconfiguration of the broker. */
  | (Upstream & { kind: 'request_error'; code: string; description: string; status: number; retryAfterMs?: number })
  | (Upstream & { kind: 'rate_limited'; retryAfterMs: number; status: number })
  /** Says nothing about the credential; worth retrying later. */
  | (Upstream & { kind: 'transient'; reason: TransientReason; description: string; status?: number; retryAfterMs?: number });

export type Classification = LoginOutcome['kind'];

/** `abandoned`: the broker itself gave up (a replica shutting down); MyInvois is not to blame. */
export type TransientReason = 'server_error' | 'gateway' | 'bad_response' | 'timeout' | 'connection' | 'abandoned';

interface Upstream {
  /** MyInvois's `correlationId` response header, which LHDN support asks for; null when there was none. */
  correlationId: string | null;
}

export interface LoginSuccess extends Upstream {
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
  /** Everything the token says about itself, unverified; null when it is not a readable JWT. */
  claims: TokenClaims | null;
  /** Set when `exp` and `expires_in` disagree by more than a minute. */
  expiryWarning?: string;
}

/** What came back from `POST /connect/token`, or why nothing did. */
export type UpstreamAnswer =
  | { kind: 'response'; status: number; headers: Record<string, string | undefined>; body: string }
  | { kind: 'timeout'; description: string }
  | { kind: 'connection'; description: string }
  | { kind: 'abandoned' };

/** What the broker asked for: the scope it requested, and whether it logged in on behalf of a taxpayer. */
export interface LoginAsked {
  scope: string;
  onBehalfOf: boolean;
}

/** One answer as the table's rows look at it. */
interface Reading {
  answer: UpstreamAnswer;
  status?: number;
  headers: Record<string, string | undefined>;
  json?: Record<string, unknown>;
  /** Set only for an OAuth-shaped JSON body: `{ "error": "<code>", "error_description"?: "..." }`. */
  oauth?: { error: string; description: string };
  asked: LoginAsked;
  now: number;
  correlationId: string | null;
}

export interface ClassificationRule {
  /** The answer this row covers, as README.md's table names it. */
  readonly answer: string;
  readonly kind: Classification;
  matches(reading: Reading): boolean;
  outcome(reading: Reading): LoginOutcome;
}

const REFUSING_CODES = new Set(['invalid_client', 'unauthorized_client', 'unauthorised_client', 'invalid_grant']);
const NOT_AUTHORISED_CODES = new Set(['unauthorized_client', 'unauthorised_client']);
const REQUEST_ERROR_CODES = new Set(['invalid_request', 'unsupported_grant_type', 'invalid_scope']);
const INVALID_REQUEST = new Set(['invalid_request']);
/** A blocked or expired system user (or its secrets, which expire together) is permanent until a person acts, whatever the `error` code. */
const USER_BLOCKED_OR_EXPIRED = /\b(blocked|expired)\b/i;
const DEFAULT_RETRY_AFTER_MS = 60_000;
/** A stated wait longer than this is taken as this: a wrong clock or header must not stop a client ID for days. */
export const MAX_RETRY_AFTER_MS = 3600_000;

const isClientError = (reading: Reading) => reading.status !== undefined && reading.status >= 400 && reading.status < 500;
const oauthError = (reading: Reading, codes: ReadonlySet<string>) => isClientError(reading) && reading.oauth !== undefined && codes.has(reading.oauth.error);

/** The table, first matching row wins. Every answer matches exactly one row: the last one takes what the others leave. */
export const CLASSIFICATION: readonly ClassificationRule[] = [
  {
    answer: 'No complete answer within `MYINVOIS_TIMEOUT_MS`, or connecting timed out',
    kind: 'transient',
    matches: (r) => r.answer.kind === 'timeout',
    outcome: (r) => transient(r, 'timeout', r.answer.kind === 'timeout' ? r.answer.description : ''),
  },
  {
    answer: 'The connection failed (refused, reset, DNS)',
    kind: 'transient',
    matches: (r) => r.answer.kind === 'connection',
    outcome: (r) => transient(r, 'connection', r.answer.kind === 'connection' ? r.answer.description : ''),
  },
  {
    answer: 'The broker gave up on the answer (the replica is shutting down)',
    kind: 'transient',
    matches: (r) => r.answer.kind === 'abandoned',
    outcome: (r) => transient(r, 'abandoned', 'abandoned: the broker is shutting down'),
  },
  {
    answer: '429, whatever the body',
    kind: 'rate_limited',
    matches: (r) => r.status === 429,
    outcome: (r) => ({
      kind: 'rate_limited',
      retryAfterMs: statedWait(r.headers, r.now) ?? DEFAULT_RETRY_AFTER_MS,
      status: 429,
      correlationId: r.correlationId,
    }),
  },
  {
    answer: '5xx, whatever the body',
    kind: 'transient',
    matches: (r) => r.status !== undefined && r.status >= 500,
    outcome: (r) => transient(r, 'server_error', describeBody(r)),
  },
  {
    answer: '200 with a Bearer `access_token` and a positive `expires_in`, not already expired',
    kind: 'success',
    matches: (r) => r.status === 200 && success(r) !== undefined,
    outcome: (r) => success(r)!,
  },
  {
    answer: '200 without such a token (an HTML page, a token that has already expired)',
    kind: 'transient',
    matches: (r) => r.status === 200,
    outcome: (r) => transient(r, 'bad_response', unusableTokenDescription(r)),
  },
  {
    answer: '4xx, OAuth JSON, `unauthorized_client` (or `unauthorised_client`) on an intermediary login with `onbehalfof`',
    kind: 'not_authorised',
    matches: (r) => r.asked.onBehalfOf && oauthError(r, NOT_AUTHORISED_CODES),
    outcome: (r) => ({ kind: 'not_authorised', ...oauthFacts(r) }),
  },
  {
    answer: '4xx, OAuth JSON, `invalid_client`, `unauthorized_client` (or `unauthorised_client`), `invalid_grant`',
    kind: 'refused',
    matches: (r) => oauthError(r, REFUSING_CODES),
    outcome: (r) => ({ kind: 'refused', ...oauthFacts(r), everySecret: USER_BLOCKED_OR_EXPIRED.test(r.oauth!.description) }),
  },
  {
    answer: '4xx, OAuth JSON, `invalid_request` whose `error_description` says the user is blocked or expired ("User blocked")',
    kind: 'refused',
    matches: (r) => oauthError(r, INVALID_REQUEST) && USER_BLOCKED_OR_EXPIRED.test(r.oauth!.description),
    outcome: (r) => ({ kind: 'refused', ...oauthFacts(r), everySecret: true }),
  },
  {
    answer: '4xx, OAuth JSON, `invalid_request`, `unsupported_grant_type`, `invalid_scope`',
    kind: 'request_error',
    matches: (r) => oauthError(r, REQUEST_ERROR_CODES),
    outcome: (r) => {
      const stated = statedWait(r.headers, r.now);
      return { kind: 'request_error', ...oauthFacts(r), ...(stated === undefined ? {} : { retryAfterMs: stated }) };
    },
  },
  {
    answer:
      'Anything else, whatever its status, 403 included: a body that is not OAuth JSON (an HTML page, an empty body, a gateway `{statusCode, message}`), an `error` code the broker does not know',
    kind: 'transient',
    matches: () => true,
    outcome: (r) => transient(r, 'gateway', describeBody(r)),
  },
];

/** Classifies one answer of `/connect/token` by the first row of CLASSIFICATION that matches it. */
export function classify(answer: UpstreamAnswer, asked: LoginAsked, now = Date.now()): LoginOutcome {
  const reading = read(answer, asked, now);
  return CLASSIFICATION.find((rule) => rule.matches(reading))!.outcome(reading);
}

/** The short code an outcome is recorded under: MyInvois's OAuth `error`, else what kind of failure it was. */
export function failureCode(outcome: LoginFailure): string {
  switch (outcome.kind) {
    case 'refused':
    case 'not_authorised':
    case 'request_error':
      return outcome.code;
    case 'rate_limited':
      return 'rate_limited';
    case 'transient':
      return outcome.reason;
  }
}

export function failureDescription(outcome: LoginFailure): string {
  return outcome.kind === 'rate_limited' ? `HTTP 429: retry after ${Math.ceil(outcome.retryAfterMs / 1000)} s` : outcome.description;
}

function read(answer: UpstreamAnswer, asked: LoginAsked, now: number): Reading {
  if (answer.kind !== 'response') return { answer, headers: {}, asked, now, correlationId: null };
  const json = parseJson(answer.body);
  return { answer, status: answer.status, headers: answer.headers, json, oauth: oauthShape(json), asked, now, correlationId: correlationIdOf(answer.headers) };
}

function transient(reading: Reading, reason: TransientReason, description: string): LoginOutcome {
  // A stated wait says when to come back (a 503 or a maintenance page may carry one); without it, the caller backs off on its own.
  const stated = statedWait(reading.headers, reading.now);
  return {
    kind: 'transient',
    reason,
    description,
    correlationId: reading.correlationId,
    ...(reading.status === undefined ? {} : { status: reading.status }),
    ...(stated === undefined ? {} : { retryAfterMs: stated }),
  };
}

function oauthFacts(reading: Reading): { code: string; description: string; status: number; correlationId: string | null } {
  const code = reading.oauth!.error === 'unauthorised_client' ? 'unauthorized_client' : reading.oauth!.error;
  return { code, description: reading.oauth!.description, status: reading.status!, correlationId: reading.correlationId };
}

/** `{ "error": "<lower_snake_code>", "error_description"?: string }`, as RFC 6749 §5.2 and MyInvois answer. */
function oauthShape(json: Record<string, unknown> | undefined): { error: string; description: string } | undefined {
  if (typeof json?.error !== 'string' || !/^[a-z_]{1,64}$/.test(json.error)) return undefined;
  const description = json.error_description;
  if (description !== undefined && description !== null && typeof description !== 'string') return undefined;
  return { error: json.error, description: (description ?? '').slice(0, 300) };
}

function success(reading: Reading): LoginSuccess | undefined {
  const { json, now } = reading;
  const accessToken = json?.access_token;
  const expiresIn = Number(json?.expires_in);
  if (typeof accessToken !== 'string' || accessToken.length === 0 || !Number.isFinite(expiresIn) || expiresIn <= 0) return undefined;
  if (json?.token_type !== undefined && String(json.token_type).toLowerCase() !== 'bearer') return undefined;
  const claims = readTokenClaims(accessToken);
  let expiresAtMs = now + expiresIn * 1000;
  let expiryWarning: string | undefined;
  if (claims?.expiresAt !== null && claims?.expiresAt !== undefined) {
    const expMs = claims.expiresAt * 1000;
    if (Math.abs(expMs - expiresAtMs) > 60_000) expiryWarning = `exp (${new Date(expMs).toISOString()}) and expires_in (${expiresIn} s) disagree`;
    // Never trust a token for longer than either says.
    expiresAtMs = Math.min(expiresAtMs, expMs);
  }
  // Never stored: it could serve no caller, and its due time would make the refresher log in again at once.
  if (expiresAtMs - now <= 0) return undefined;
  return {
    kind: 'success',
    accessToken,
    expiresAt: new Date(expiresAtMs),
    expiresInSeconds: expiresIn,
    lifetimeMs: expiresAtMs - now,
    // MyInvois may leave out `scope` when it equals the request.
    scope: typeof json?.scope === 'string' ? json.scope : reading.asked.scope,
    tinClaim: claims?.taxpayerTin ?? null,
    claims,
    correlationId: reading.correlationId,
    ...(expiryWarning ? { expiryWarning } : {}),
  };
}

function unusableTokenDescription(reading: Reading): string {
  const token = reading.json?.access_token;
  if (typeof token === 'string' && token.length > 0 && Number(reading.json?.expires_in) > 0) return 'a 200 answer with a token that has already expired';
  return reading.json ? 'a 200 answer without a usable access token' : describeBody(reading);
}

/** `correlationId` (header names arrive lower-cased), kept only if it is short printable text. */
function correlationIdOf(headers: Record<string, string | undefined>): string | null {
  const value = (headers['correlationid'] ?? headers['x-correlation-id'])?.trim();
  return value && /^[\x21-\x7e]{1,128}$/.test(value) ? value : null;
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
    // MyInvois writes a date-time with seven fractional digits (2020-05-04T12:23:41.6181792Z); Date.parse reads the first three.
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
function describeBody(reading: Reading): string {
  const { json, status } = reading;
  const body = reading.answer.kind === 'response' ? reading.answer.body : '';
  const message = json?.error_description ?? json?.message ?? json?.error;
  if (typeof message === 'string') return `HTTP ${status}: ${message.slice(0, 200)}`;
  if (!body) return `HTTP ${status} with an empty body`;
  return `HTTP ${status} with a ${json ? 'JSON' : 'non-JSON'} body of ${body.length} bytes`;
}
