import { DataKeyCache } from './data-key-cache';

const envelope = (version = 'v1', byte = 1) => ({ keyVersion: version, dataKeyWrapped: Buffer.alloc(45, byte) });

describe('DataKeyCache', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function cacheWithCounts(ttlMs: number) {
    const seen = { hits: 0, misses: 0, entries: 0 };
    const cache = new DataKeyCache(ttlMs, { lookup: (hit) => (hit ? seen.hits++ : seen.misses++), entries: (count) => (seen.entries = count) });
    return { cache, seen };
  }

  it('hands out copies, so a caller that wipes its key leaves the cached one intact', () => {
    const { cache, seen } = cacheWithCounts(60_000);
    cache.put('credential:a', envelope(), Buffer.alloc(32, 7));
    const first = cache.get('credential:a', envelope())!;
    first.fill(0);
    expect(cache.get('credential:a', envelope())!.equals(Buffer.alloc(32, 7))).toBe(true);
    expect(cache.get('credential:a', envelope('v2'))).toBeUndefined();
    expect(cache.get('credential:a', envelope('v1', 2))).toBeUndefined();
    expect(seen).toEqual({ hits: 2, misses: 2, entries: 1 });
  });

  it('wipes a key when it expires, when its record is forgotten, and when cleared', () => {
    const { cache, seen } = cacheWithCounts(300_000);
    const keys = [Buffer.alloc(32, 1), Buffer.alloc(32, 2), Buffer.alloc(32, 3)];
    const wrapped = envelope();
    // The cache's own copies, caught as it allocates them.
    const held: Buffer[] = [];
    const alloc = jest.spyOn(Buffer, 'alloc').mockImplementation(((size: number, fill?: number) => {
      const buffer = new Uint8Array(size) as Buffer;
      Object.setPrototypeOf(buffer, Buffer.prototype);
      if (fill !== undefined) buffer.fill(fill);
      held.push(buffer);
      return buffer;
    }) as typeof Buffer.alloc);
    cache.put('credential:a', wrapped, keys[0]);
    jest.advanceTimersByTime(100_000);
    cache.put('credential:b', wrapped, keys[1]);
    cache.put('credential:c', wrapped, keys[2]);
    alloc.mockRestore();
    expect(held).toHaveLength(3);
    expect(seen.entries).toBe(3);

    jest.advanceTimersByTime(200_000);
    expect(held[0].equals(Buffer.alloc(32))).toBe(true);
    expect(cache.get('credential:a', envelope())).toBeUndefined();
    expect(held[1].equals(Buffer.alloc(32, 2))).toBe(true);

    cache.forget('credential:b');
    expect(held[1].equals(Buffer.alloc(32))).toBe(true);
    cache.clear();
    expect(held[2].equals(Buffer.alloc(32))).toBe(true);
    expect(seen.entries).toBe(0);
  });

  it('keeps nothing with a time of 0', () => {
    const { cache, seen } = cacheWithCounts(0);
    cache.put('credential:a', envelope(), Buffer.alloc(32, 7));
    expect(cache.get('credential:a', envelope())).toBeUndefined();
    expect(seen).toEqual({ hits: 0, misses: 0, entries: 0 });
  });
});
