/**
 * When a token should be renewed, and how long to wait after a failed renewal. Pure, so the
 * arithmetic is tested on its own; the numbers come from the REFRESH_* settings.
 */
export interface RefreshPolicySettings {
  /** Due when this share of the lifetime is left. */
  thresholdRatio: number;
  /** Up to this share of the lifetime earlier, at random. */
  jitterRatio: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
}

/**
 * Due when `thresholdRatio` of the lifetime is left, measured to the effective expiry (`exp`
 * may come before `expires_in`). Tokens acquired together do not all come due together: each
 * is due a random bit earlier.
 */
export function refreshDueAt(acquiredAtMs: number, expiresAtMs: number, settings: RefreshPolicySettings, random = Math.random()): Date {
  const lifetimeMs = Math.max(0, expiresAtMs - acquiredAtMs);
  return new Date(expiresAtMs - lifetimeMs * (settings.thresholdRatio + random * settings.jitterRatio));
}

/** Exponential with ±20 % jitter, capped; never sooner than MyInvois asked (`Retry-After`). */
export function backoffMs(failures: number, settings: RefreshPolicySettings, retryAfterMs = 0, random = Math.random()): number {
  const exponential = Math.min(settings.backoffMaxMs, settings.backoffBaseMs * 2 ** Math.max(0, failures - 1));
  return Math.max(retryAfterMs, Math.round(exponential * (0.8 + 0.4 * random)));
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
