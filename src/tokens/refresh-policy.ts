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

/** Tokens acquired together do not all come due together: each is due a random bit earlier. */
export function refreshDueAt(acquiredAtMs: number, lifetimeSeconds: number, settings: RefreshPolicySettings, random = Math.random()): Date {
  const lifetimeMs = lifetimeSeconds * 1000;
  return new Date(acquiredAtMs + lifetimeMs * (1 - settings.thresholdRatio) - random * settings.jitterRatio * lifetimeMs);
}

/** Exponential with ±20 % jitter, capped; never sooner than MyInvois asked (`Retry-After`). */
export function backoffMs(failures: number, settings: RefreshPolicySettings, retryAfterMs = 0, random = Math.random()): number {
  const exponential = Math.min(settings.backoffMaxMs, settings.backoffBaseMs * 2 ** Math.max(0, failures - 1));
  return Math.max(retryAfterMs, Math.round(exponential * (0.8 + 0.4 * random)));
}

/**
 * How many in-use tokens of one client ID will expire before the login budget can renew them:
 * the k-th to expire gets a slot no sooner than `floor(k / perWindow)` windows from now.
 */
export function tokensAtRisk(expiriesMs: number[], perWindow: number, windowMs: number, nowMs: number, loginMs = 2000): number {
  const sorted = [...expiriesMs].sort((a, b) => a - b);
  const rate = Math.max(1, perWindow);
  return sorted.filter((expiresAt, k) => expiresAt < nowMs + Math.floor(k / rate) * windowMs + loginMs).length;
}
