/** What happened on `/connect/token`, for one client ID or in total. */
export interface Counters {
  /** Every token request received, whatever its answer. */
  requests: number;
  /** Successful token responses. */
  logins: number;
  /** OAuth 4xx answers (400 `invalid_*` and the like), not counting 429. */
  failures: number;
  rateLimited: number;
  faultsServed: number;
  /** Requests carrying placeholder credentials, which MyInvois blocks; a correct broker never sends them. */
  placeholderCalls: number;
  inFlight: number;
  maxInFlight: number;
}

export type CountedEvent = 'logins' | 'failures' | 'rateLimited' | 'faultsServed' | 'placeholderCalls';

const zero = (): Counters => ({
  requests: 0,
  logins: 0,
  failures: 0,
  rateLimited: 0,
  faultsServed: 0,
  placeholderCalls: 0,
  inFlight: 0,
  maxInFlight: 0,
});

/**
 * Counters per client ID (the `client_id` a request carried, registered or not) and in total.
 * Requests without a client ID count in the total only.
 */
export class TrafficCounters {
  private total = zero();
  private readonly perClient = new Map<string, Counters>();

  /** Counts a request as received and in flight; call the returned function once when it is answered or dropped. */
  begin(clientId: string | undefined): () => void {
    const counters = this.countersFor(clientId);
    for (const c of counters) {
      c.requests += 1;
      c.inFlight += 1;
      c.maxInFlight = Math.max(c.maxInFlight, c.inFlight);
    }
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      // After a reset the request is no longer counted as in flight; never go below zero.
      for (const c of this.countersFor(clientId)) c.inFlight = Math.max(0, c.inFlight - 1);
    };
  }

  record(clientId: string | undefined, event: CountedEvent): void {
    for (const c of this.countersFor(clientId)) c[event] += 1;
  }

  totals(): Counters {
    return { ...this.total };
  }

  forClient(clientId: string): Counters | undefined {
    const counters = this.perClient.get(clientId);
    return counters && { ...counters };
  }

  all(): { total: Counters; clients: Record<string, Counters> } {
    return { total: this.totals(), clients: Object.fromEntries([...this.perClient].map(([id, c]) => [id, { ...c }])) };
  }

  /** Zeroes everything, except that requests still in flight stay counted as such. */
  reset(): void {
    const keepInFlight = (c: Counters): Counters => ({ ...zero(), inFlight: c.inFlight, maxInFlight: c.inFlight });
    this.total = keepInFlight(this.total);
    for (const [id, c] of [...this.perClient]) {
      if (c.inFlight > 0) this.perClient.set(id, keepInFlight(c));
      else this.perClient.delete(id);
    }
  }

  static empty(): Counters {
    return zero();
  }

  private countersFor(clientId: string | undefined): Counters[] {
    if (clientId === undefined) return [this.total];
    let own = this.perClient.get(clientId);
    if (!own) {
      own = zero();
      this.perClient.set(clientId, own);
    }
    return [this.total, own];
  }
}
