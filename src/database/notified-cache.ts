/**
 * A small read-through cache for rows that are read on every request but rarely change
 * (tenants, credentials, principals). Entries live `ttlMs`; the owning service also drops
 * them on a PostgreSQL NOTIFY from whichever replica changed the row, so staleness is bounded
 * by the TTL only when a notification is lost. Concurrent misses for one key share one load.
 */
export class NotifiedCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();
  private readonly loading = new Map<string, Promise<V>>();
  private generation = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly load: (key: string) => Promise<V>,
  ) {}

  async get(key: string): Promise<V> {
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > Date.now()) return hit.value;
    const pending = this.loading.get(key);
    if (pending) return pending;
    const generation = this.generation;
    const promise = this.load(key)
      .then((value) => {
        // A forget() that happened while loading wins: the loaded value may predate the change.
        if (generation === this.generation) this.entries.set(key, { value, expiresAt: Date.now() + this.ttlMs });
        return value;
      })
      .finally(() => {
        if (this.loading.get(key) === promise) this.loading.delete(key);
      });
    this.loading.set(key, promise);
    return promise;
  }

  set(key: string, value: V): void {
    this.entries.set(key, { value, expiresAt: Date.now() + this.ttlMs });
  }

  /**
   * Drop one key, or everything for null (a lost notification connection). A load already
   * under way is dropped too: it may have read the row before the change, so a get() from now
   * on starts a load of its own instead of sharing that one.
   */
  forget(key: string | null): void {
    this.generation += 1;
    if (key === null) {
      this.entries.clear();
      this.loading.clear();
    } else {
      this.entries.delete(key);
      this.loading.delete(key);
    }
  }
}
