/** Milliseconds since the epoch; injectable so that tests can move time by hand. */
export type Clock = () => number;

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  /** Requests still allowed in the window after this one. */
  remaining: number;
  /** When the oldest request in the window leaves it, i.e. when a slot frees (epoch ms). */
  resetAt: number;
  /** Whole seconds until a slot frees, at least 1; only meaningful when refused. */
  retryAfterSeconds: number;
}

/**
 * At most `limit` requests per key in any window of `windowMs`: a true sliding window over
 * request times, not fixed buckets, so a burst at a bucket edge cannot pass twice the limit.
 * Framework-free so that it can be unit tested with a fake clock.
 */
export class SlidingWindowLimiter {
  private readonly requestTimes = new Map<string, number[]>();

  constructor(
    readonly windowMs: number,
    private readonly clock: Clock = Date.now,
  ) {}

  /** Records the request when it is allowed; a refused request does not use up a slot. */
  attempt(key: string, limit: number): RateLimitDecision {
    const now = this.clock();
    const times = this.inWindow(key, now);
    if (times.length >= limit) {
      // With the limit lowered below the current count, more than one request must leave first.
      const freesAt = times[times.length - limit] + this.windowMs;
      return { allowed: false, limit, remaining: 0, resetAt: freesAt, retryAfterSeconds: Math.max(1, Math.ceil((freesAt - now) / 1000)) };
    }
    times.push(now);
    this.requestTimes.set(key, times);
    const freesAt = times[0] + this.windowMs;
    return { allowed: true, limit, remaining: limit - times.length, resetAt: freesAt, retryAfterSeconds: Math.max(1, Math.ceil((freesAt - now) / 1000)) };
  }

  reset(): void {
    this.requestTimes.clear();
  }

  /** Drops the times that have left the window: a request made at t counts until t + window. */
  private inWindow(key: string, now: number): number[] {
    const times = this.requestTimes.get(key) ?? [];
    const firstLive = times.findIndex((time) => time > now - this.windowMs);
    const live = firstLive === -1 ? [] : times.slice(firstLive);
    if (live.length === 0) this.requestTimes.delete(key);
    return live;
  }
}
