import { NotifiedCache } from './notified-cache';

describe('NotifiedCache', () => {
  it('loads once for concurrent misses and serves hits without loading', async () => {
    let loads = 0;
    const cache = new NotifiedCache(60_000, async (key) => {
      loads += 1;
      await new Promise((resolve) => setTimeout(resolve, 10));
      return `value of ${key}`;
    });
    const values = await Promise.all([cache.get('a'), cache.get('a'), cache.get('a')]);
    expect(values).toEqual(['value of a', 'value of a', 'value of a']);
    await cache.get('a');
    expect(loads).toBe(1);
  });

  it('reloads after forget, and ignores a load that raced a forget', async () => {
    let version = 1;
    const cache = new NotifiedCache(60_000, async () => {
      const seen = version;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return seen;
    });
    const racing = cache.get('k');
    version = 2;
    cache.forget('k');
    expect(await racing).toBe(1);
    expect(await cache.get('k')).toBe(2);
    version = 3;
    cache.forget(null);
    expect(await cache.get('k')).toBe(3);
  });

  it('does not share a load that began before forget() with a get() after it', async () => {
    let version = 1;
    const cache = new NotifiedCache(60_000, async () => {
      const seen = version;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return seen;
    });
    const before = cache.get('k');
    version = 2;
    cache.forget('k');
    const after = cache.get('k');
    expect(await before).toBe(1);
    expect(await after).toBe(2);
    expect(await cache.get('k')).toBe(2);
  });

  it('expires entries after the TTL', async () => {
    let loads = 0;
    const cache = new NotifiedCache(5, async () => ++loads);
    await cache.get('k');
    await new Promise((resolve) => setTimeout(resolve, 15));
    expect(await cache.get('k')).toBe(2);
  });
});
