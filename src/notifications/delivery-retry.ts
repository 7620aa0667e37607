/** How deliveries wait between attempts. */
export interface RetryPolicy {
  baseMs: number;
  maxMs: number;
  /** After this long since the event, a failing delivery is given up (`failed`). */
  giveUpAfterMs: number;
}

/**
 * The wait after the `attempts`-th failed attempt: doubling from `baseMs` up to `maxMs`, with
 * ±20 % jitter so that receivers coming back are not hit by every replica at once. Null when the
 * next attempt would come after the retry period: the delivery has failed.
 */
export function nextAttemptDelay(policy: RetryPolicy, attempts: number, ageMs: number, random: () => number = Math.random): number | null {
  const exponent = Math.min(Math.max(attempts - 1, 0), 40);
  const wait = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent) * (0.8 + 0.4 * random());
  if (ageMs + wait > policy.giveUpAfterMs) return null;
  return Math.round(wait);
}
