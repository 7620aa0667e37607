/** How long to wait after failures: from a base, doubling, capped. */
export interface BackoffSettings {
  backoffBaseMs: number;
  backoffMaxMs: number;
}

/** Exponential with ±20 % jitter, capped; never sooner than MyInvois asked (`Retry-After`). Pure: `random` is injectable for tests. */
export function backoffMs(failures: number, settings: BackoffSettings, retryAfterMs = 0, random = Math.random()): number {
  const exponential = Math.min(settings.backoffMaxMs, settings.backoffBaseMs * 2 ** Math.max(0, failures - 1));
  return Math.max(retryAfterMs, Math.round(exponential * (0.8 + 0.4 * random)));
}
