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

  describe('stale if error', () => {
    const outage = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

    it('serves an expired entry while the database cannot be reached, within the bound, then fails', async () => {
      let down = false;
      const cache = new NotifiedCache(20, async () => (down ? Promise.reject(outage()) : 'row'), 1000);
      await cache.get('k');
      down = true;
      await new Promise((resolve) => setTimeout(resolve, 40));
      expect(await cache.get('k')).toBe('row');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await expect(cache.get('k')).rejects.toThrow('ECONNREFUSED');
    });

    it('keeps entries through a lost notification connection but never serves a change it heard of', async () => {
      let down = false;
      const cache = new NotifiedCache(60_000, async () => (down ? Promise.reject(outage()) : 'row'), 60_000);
      await cache.get('a');
      await cache.get('b');
      down = true;
      cache.forget(null);
      expect(await cache.get('a')).toBe('row');
      cache.forget('b');
      await expect(cache.get('b')).rejects.toThrow('ECONNREFUSED');
    });

    it('does not hide other failures', async () => {
      let fail = false;
      const cache = new NotifiedCache(5, async () => (fail ? Promise.reject(new Error('a bug')) : 'row'), 60_000);
      await cache.get('k');
      fail = true;
      await new Promise((resolve) => setTimeout(resolve, 15));
      await expect(cache.get('k')).rejects.toThrow('a bug');
    });
  });
});
