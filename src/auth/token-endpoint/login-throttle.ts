/**
 * Slows, then refuses, repeated failed logins for one key (a client ID, whether or not it
 * exists, so the answer reveals nothing; or a caller address). Kept per replica in memory: a
 * guess rate is bounded by replicas × limit, far below what a 256-bit secret would need.
 */
export interface LoginThrottleOptions {
  /** Failures after which each further attempt is delayed. */
  slowdownAfter: number;
  /** Failures after which attempts are refused until the lockout ends. */
  maxFailures: number;
  lockoutMs: number;
  /** Failures older than this are forgotten. */
  windowMs?: number;
  /** Upper bound on tracked keys, so a flood of random client IDs cannot exhaust memory. */
  maxTracked?: number;
  now?: () => number;
}

export type LoginAttemptVerdict = { allowed: true; delayMs: number } | { allowed: false; retryAfterSeconds: number };

interface Failures {
  timestamps: number[];
  lockedUntil: number;
}

export class LoginThrottle {
  private readonly failures = new Map<string, Failures>();
  private readonly windowMs: number;
  private readonly maxTracked: number;
  private readonly now: () => number;

  constructor(private readonly options: LoginThrottleOptions) {
    this.windowMs = options.windowMs ?? Math.max(options.lockoutMs, 15 * 60_000);
    this.maxTracked = options.maxTracked ?? 100_000;
    this.now = options.now ?? Date.now;
  }

  /** Before checking a secret: may this attempt go ahead, and after how long a pause? */
  check(clientId: string): LoginAttemptVerdict {
    const entry = this.current(clientId);
    const now = this.now();
    if (entry && entry.lockedUntil > now) return { allowed: false, retryAfterSeconds: Math.ceil((entry.lockedUntil - now) / 1000) };
    const count = entry?.timestamps.length ?? 0;
    if (count < this.options.slowdownAfter) return { allowed: true, delayMs: 0 };
    // 250 ms, 500 ms, 1 s, ... capped at 5 s: slow for a script, harmless for a person.
    return { allowed: true, delayMs: Math.min(5000, 250 * 2 ** (count - this.options.slowdownAfter)) };
  }

  recordFailure(clientId: string): void {
    const now = this.now();
    const entry = this.current(clientId) ?? { timestamps: [], lockedUntil: 0 };
    entry.timestamps.push(now);
    if (entry.timestamps.length >= this.options.maxFailures) {
      entry.lockedUntil = now + this.options.lockoutMs;
      entry.timestamps = [];
    }
    this.failures.delete(clientId);
    this.failures.set(clientId, entry);
    this.evictOldest();
  }

  recordSuccess(clientId: string): void {
    this.failures.delete(clientId);
  }

  private current(clientId: string): Failures | undefined {
    const entry = this.failures.get(clientId);
    if (!entry) return undefined;
    const cutoff = this.now() - this.windowMs;
    entry.timestamps = entry.timestamps.filter((at) => at > cutoff);
    if (entry.timestamps.length === 0 && entry.lockedUntil <= this.now()) {
      this.failures.delete(clientId);
      return undefined;
    }
    return entry;
  }

  private evictOldest(): void {
    // Map iteration order is insertion order; recordFailure re-inserts, so the first is the stalest.
    while (this.failures.size > this.maxTracked) {
      const oldest = this.failures.keys().next().value as string;
      this.failures.delete(oldest);
    }
  }
}

export interface FailedLoginLimitsOptions {
  /** Per client ID and caller address: delay after this many failures ... */
  slowdownAfter: number;
  /** ... and refuse after this many. */
  maxFailures: number;
  /** Per caller address, whatever client IDs it tries (known or not): refuse after this many. */
  maxFailuresPerAddress: number;
  lockoutMs: number;
  now?: () => number;
}

/**
 * The limits on guessing secrets at /v1/auth/token, checked before a secret is hashed (a hash
 * costs one scrypt on the small libuv pool). A client ID is counted per caller address, so that
 * nobody can lock a service out from elsewhere; the address is also counted on its own, so that
 * trying random client IDs does not escape the count. In memory per replica.
 */
export class FailedLoginLimits {
  private readonly byClient: LoginThrottle;
  private readonly byAddress: LoginThrottle;

  constructor(options: FailedLoginLimitsOptions) {
    const { slowdownAfter, maxFailures, maxFailuresPerAddress, lockoutMs, now } = options;
    this.byClient = new LoginThrottle({ slowdownAfter, maxFailures, lockoutMs, now });
    // An address is refused outright at its limit, never only slowed.
    this.byAddress = new LoginThrottle({ slowdownAfter: maxFailuresPerAddress, maxFailures: maxFailuresPerAddress, lockoutMs, now });
  }

  check(address: string, clientId: string): LoginAttemptVerdict {
    const verdict = this.byAddress.check(address);
    return verdict.allowed ? this.byClient.check(clientKey(address, clientId)) : verdict;
  }

  recordFailure(address: string, clientId: string): void {
    this.byAddress.recordFailure(address);
    this.byClient.recordFailure(clientKey(address, clientId));
  }

  /** Forgets the client ID's failures; the address keeps its count, so a valid login cannot launder guesses. */
  recordSuccess(address: string, clientId: string): void {
    this.byClient.recordSuccess(clientKey(address, clientId));
  }
}

function clientKey(address: string, clientId: string): string {
  return `${address} ${clientId}`;
}
