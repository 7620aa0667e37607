import type { BackoffSettings } from '../myinvois/backoff';

export { backoffMs } from '../myinvois/backoff';

/**
 * When a token should be renewed, and how long to wait after a failed renewal. Pure, so the
 * arithmetic is tested on its own; the numbers come from the REFRESH_* settings.
 */
export interface RefreshPolicySettings extends BackoffSettings {
  /** Due when this share of the lifetime is left. */
  thresholdRatio: number;
  /** Up to this share of the lifetime earlier, at random. */
  jitterRatio: number;
}

/** What a key's callers need of a token when it is handed out, besides the share of its lifetime. */
export interface CallersNeed {
  /** The largest minimum lifetime its callers asked for recently (TOKEN_MIN_TTL_SECONDS at least). */
  minTtlMs: number;
  /** How long a renewal may take from the due time to a stored token: a refresh round's wait plus a login. */
  renewalMs: number;
}

/**
 * Due when `thresholdRatio` of the lifetime is left, measured to the effective expiry (`exp`
 * may come before `expires_in`), or sooner if a caller would refuse the token before a renewal
 * could replace it: requests would then log in themselves. The callers' need counts for no more
 * than half the lifetime, so that a caller asking for nearly all of it cannot make a key renew
 * over and over. Tokens acquired together do not all come due together: each is due a random
 * bit earlier, after that cap too (capped keys would otherwise renew in lockstep for ever).
 */
export function refreshDueAt(
  acquiredAtMs: number,
  expiresAtMs: number,
  settings: RefreshPolicySettings,
  random = Math.random(),
  callers: CallersNeed = { minTtlMs: 0, renewalMs: 0 },
): Date {
  const lifetimeMs = Math.max(0, expiresAtMs - acquiredAtMs);
  const jitterMs = lifetimeMs * random * settings.jitterRatio;
  const aheadMs = Math.min(Math.max(lifetimeMs * settings.thresholdRatio, callers.minTtlMs + callers.renewalMs), lifetimeMs / 2);
  return new Date(expiresAtMs - aheadMs - jitterMs);
}

export interface BudgetOutlook {
  /** Renewals the budget allows per window. */
  perWindow: number;
  /** Of those, still free in the current window (logins already made count against it). */
  availableNow: number;
  windowMs: number;
  nowMs: number;
  /** How long a login takes. */
  loginMs?: number;
}

/**
 * How many in-use tokens of one client ID will expire before the login budget can renew them:
 * the first `availableNow` to expire get a slot now, the k-th after them no sooner than
 * `1 + floor(k / perWindow)` windows from now.
 */
export function tokensAtRisk(expiriesMs: number[], outlook: BudgetOutlook): number {
  const { windowMs, nowMs, loginMs = 2000 } = outlook;
  const rate = Math.max(1, outlook.perWindow);
  const now = Math.max(0, Math.min(outlook.availableNow, rate));
  const windowsAway = (k: number) => (k < now ? 0 : 1 + Math.floor((k - now) / rate));
  const sorted = [...expiriesMs].sort((a, b) => a - b);
  return sorted.filter((expiresAt, k) => expiresAt < nowMs + windowsAway(k) * windowMs + loginMs).length;
}

/**
 * The refresher's forecast for one client ID: of its tokens in use (`expiriesMs`), how many the
 * budget cannot renew before they expire, given its limit, the logins already made in this
 * window (requests' and refreshes') and the slots each window leaves to requests.
 */
export function forecastTokensAtRisk(
  budget: { limit: number; loginsInWindow: number; expiriesMs: number[] },
  onDemandReserve: number,
  windowMs: number,
  nowMs: number,
): number {
  const perWindow = Math.max(1, budget.limit - onDemandReserve);
  const availableNow = Math.max(0, budget.limit - budget.loginsInWindow) - onDemandReserve;
  return tokensAtRisk(budget.expiriesMs, { perWindow, availableNow, windowMs, nowMs });
}
