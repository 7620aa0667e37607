import { backoffMs, refreshDueAt, tokensAtRisk } from './refresh-policy';

const settings = { thresholdRatio: 0.25, jitterRatio: 0.05, backoffBaseMs: 5000, backoffMaxMs: 300_000 };

describe('refresh policy', () => {
  it('makes a token due when a quarter of its life is left, up to 5 % earlier', () => {
    const acquired = 1_000_000;
    const expires = acquired + 3600_000;
    expect(refreshDueAt(acquired, expires, settings, 0).getTime()).toBe(acquired + 2700_000);
    expect(refreshDueAt(acquired, expires, settings, 1).getTime()).toBe(acquired + 2700_000 - 180_000);
    const spread = new Set(Array.from({ length: 20 }, () => refreshDueAt(acquired, expires, settings).getTime()));
    expect(spread.size).toBeGreaterThan(15);
  });

  it('measures the lifetime to the effective expiry, so a token whose exp is sooner than expires_in is due before it expires', () => {
    const acquired = 1_000_000;
    // expires_in said an hour, exp ten minutes: due with a quarter of the ten minutes left.
    const expires = acquired + 600_000;
    expect(refreshDueAt(acquired, expires, settings, 0).getTime()).toBe(acquired + 450_000);
    expect(refreshDueAt(acquired, expires, settings, 1).getTime()).toBeLessThan(expires);
  });

  it('makes a token due before the largest minimum its callers asked for, plus a renewal, would refuse it', () => {
    const acquired = 1_000_000;
    const expires = acquired + 600_000;
    const callers = { minTtlMs: 200_000, renewalMs: 15_000 };
    // A quarter of 600 s is 150 s: a caller asking for 200 s would refuse the token before the refresher renewed it.
    expect(refreshDueAt(acquired, expires, settings, 0, callers).getTime()).toBe(expires - 215_000);
    expect(refreshDueAt(acquired, expires, settings, 1, callers).getTime()).toBe(expires - 245_000);
    // Below the threshold, callers change nothing.
    expect(refreshDueAt(acquired, expires, settings, 0, { minTtlMs: 60_000, renewalMs: 15_000 }).getTime()).toBe(expires - 150_000);
    // The callers count for half the lifetime at most, and the jitter still spreads such keys apart.
    const greedy = { minTtlMs: 590_000, renewalMs: 15_000 };
    expect(refreshDueAt(acquired, expires, settings, 0, greedy).getTime()).toBe(acquired + 300_000);
    expect(refreshDueAt(acquired, expires, settings, 1, greedy).getTime()).toBe(acquired + 300_000 - 30_000);
    expect(new Set(Array.from({ length: 20 }, () => refreshDueAt(acquired, expires, settings, undefined, greedy).getTime())).size).toBeGreaterThan(15);
  });

  it('backs off exponentially with jitter, capped, and never sooner than Retry-After', () => {
    expect(backoffMs(1, settings, 0, 0.5)).toBe(5000);
    expect(backoffMs(2, settings, 0, 0.5)).toBe(10_000);
    expect(backoffMs(4, settings, 0, 0.5)).toBe(40_000);
    expect(backoffMs(30, settings, 0, 0.5)).toBe(300_000);
    expect(backoffMs(1, settings, 0, 0)).toBe(4000);
    expect(backoffMs(1, settings, 0, 1)).toBe(6000);
    expect(backoffMs(1, settings, 60_000, 0.5)).toBe(60_000);
  });

  it('counts the tokens a budget cannot renew before they expire', () => {
    const outlook = { perWindow: 11, availableNow: 11, windowMs: 61_000, nowMs: 0 };
    // 11 renewals per window: the first 11 are safe whenever they expire after now + 2 s.
    const soon = Array.from({ length: 30 }, () => 10 * 60_000);
    expect(tokensAtRisk(soon, outlook)).toBe(0);
    // 30 tokens all expiring in 90 s: 11 now, 11 in a window, 8 would need a third window (122 s).
    expect(
      tokensAtRisk(
        Array.from({ length: 30 }, () => 90_000),
        outlook,
      ),
    ).toBe(8);
    expect(tokensAtRisk([], outlook)).toBe(0);
  });

  it('counts the logins already made in this window against it', () => {
    const expiring = Array.from({ length: 30 }, () => 90_000);
    // 8 slots of this window used: 3 now, 11 in the next window, 16 would need a third.
    expect(tokensAtRisk(expiring, { perWindow: 11, availableNow: 3, windowMs: 61_000, nowMs: 0 })).toBe(16);
    // Nothing left now: tokens expiring in 30 s all lapse.
    expect(tokensAtRisk([30_000, 30_000], { perWindow: 11, availableNow: 0, windowMs: 61_000, nowMs: 0 })).toBe(2);
  });
});
