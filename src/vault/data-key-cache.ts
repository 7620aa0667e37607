import type { Envelope } from './vault-cipher';

interface Entry {
  dataKey: Buffer;
  timer: NodeJS.Timeout;
}

/** More than this many data keys in memory: the oldest goes first. */
const MAX_ENTRIES = 100_000;

/**
 * Unwrapped data keys, kept for a bounded time so that a key ring in a device sees a few calls
 * a minute rather than one per login. An entry belongs to one envelope (its context, master key
 * version and wrapped bytes), so a re-wrapped or altered envelope never finds an old entry. Key
 * bytes are wiped (zeroed) when an entry expires, is forgotten or the cache is cleared, and
 * callers get copies they may wipe themselves.
 */
export class DataKeyCache {
  private readonly byContext = new Map<string, Map<string, Entry>>();
  private size = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly observe: { lookup(hit: boolean): void; entries(count: number): void } = { lookup: () => undefined, entries: () => undefined },
  ) {}

  get enabled(): boolean {
    return this.ttlMs > 0;
  }

  /** A copy of the data key, or undefined. */
  get(context: string, envelope: Envelope): Buffer | undefined {
    if (!this.enabled) return undefined;
    const entry = this.byContext.get(context)?.get(envelopeKey(envelope));
    this.observe.lookup(entry !== undefined);
    return entry ? Buffer.from(entry.dataKey) : undefined;
  }

  put(context: string, envelope: Envelope, dataKey: Buffer): void {
    if (!this.enabled) return;
    const key = envelopeKey(envelope);
    let entries = this.byContext.get(context);
    if (entries?.has(key)) return;
    if (this.size >= MAX_ENTRIES) this.forget(this.byContext.keys().next().value!);
    if (!entries) this.byContext.set(context, (entries = new Map()));
    const copy = Buffer.alloc(dataKey.length);
    dataKey.copy(copy);
    const timer = setTimeout(() => this.drop(context, key), this.ttlMs);
    timer.unref();
    entries.set(key, { dataKey: copy, timer });
    this.size += 1;
    this.observe.entries(this.size);
  }

  /** Wipes every data key of a record (after a re-wrap, or when the record is gone). */
  forget(context: string): void {
    const entries = this.byContext.get(context);
    if (!entries) return;
    for (const key of [...entries.keys()]) this.drop(context, key);
  }

  clear(): void {
    for (const context of [...this.byContext.keys()]) this.forget(context);
  }

  private drop(context: string, key: string): void {
    const entries = this.byContext.get(context);
    const entry = entries?.get(key);
    if (!entries || !entry) return;
    clearTimeout(entry.timer);
    entry.dataKey.fill(0);
    entries.delete(key);
    if (entries.size === 0) this.byContext.delete(context);
    this.size -= 1;
    this.observe.entries(this.size);
  }
}

function envelopeKey(envelope: Envelope): string {
  return `${envelope.keyVersion}:${envelope.dataKeyWrapped.toString('base64')}`;
}
