import { isDatabaseUnavailable } from '../common/postgres-errors';

interface Entry<V> {
  value: V;
  /** Served without a read until then. */
  freshUntil: number;
  /** Served while the database cannot be reached until then. */
  staleUntil: number;
}

/**
 * A small read-through cache for rows that are read on every request but rarely change
 * (tenants, credentials, principals). Entries live `ttlMs`; the owning service also drops
 * them on a PostgreSQL NOTIFY from whichever replica changed the row, so staleness is bounded
 * by the TTL only when a notification is lost. Concurrent misses for one key share one load.
 *
 * Stale if error: while PostgreSQL cannot be reached, an entry is still served up to
 * `staleIfErrorMs` after it stopped being fresh, so that requests that need no write keep
 * working through a short outage. A change heard of (`forget(key)`) is never served stale: the
 * row is read again at once instead.
 */
export class NotifiedCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly loading = new Map<string, Promise<V>>();
  private generation = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly load: (key: string) => Promise<V>,
    private readonly staleIfErrorMs = 0,
  ) {}

  async get(key: string): Promise<V> {
    const hit = this.entries.get(key);
    if (hit && hit.freshUntil > Date.now()) return hit.value;
    const pending = this.loading.get(key);
    if (pending) return pending;
    const generation = this.generation;
    const promise = this.load(key)
      .then((value) => {
        // A forget() that happened while loading wins: the loaded value may predate the change.
        if (generation === this.generation) this.set(key, value);
        return value;
      })
      .catch((error: unknown) => {
        const stale = this.entries.get(key);
        if (stale && stale.staleUntil > Date.now() && isDatabaseUnavailable(error)) return stale.value;
        throw error;
      })
      .finally(() => {
        if (this.loading.get(key) === promise) this.loading.delete(key);
      });
    this.loading.set(key, promise);
    return promise;
  }

  set(key: string, value: V): void {
    const freshUntil = Date.now() + this.ttlMs;
    this.entries.set(key, { value, freshUntil, staleUntil: freshUntil + this.staleIfErrorMs });
  }

  /**
   * Drop one key, or everything for null (a lost notification connection). A load already
   * under way is dropped too: it may have read the row before the change, so a get() from now
   * on starts a load of its own instead of sharing that one. After a lost connection nothing is
   * known to have changed, so entries stay for an outage, no longer fresh.
   */
  forget(key: string | null): void {
    this.generation += 1;
    if (key === null) {
      const now = Date.now();
      for (const entry of this.entries.values()) {
        entry.freshUntil = 0;
        entry.staleUntil = Math.min(entry.staleUntil, now + this.staleIfErrorMs);
      }
      this.loading.clear();
    } else {
      this.entries.delete(key);
      this.loading.delete(key);
      // Read again at once, while the database answers: a row that changed is then known in its new
      // state should the database go away before the next request needs it.
      if (this.staleIfErrorMs > 0) void this.get(key).catch(() => undefined);
    }
  }
}
