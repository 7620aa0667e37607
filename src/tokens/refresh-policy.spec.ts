import { backoffMs, refreshDueAt, tokensAtRisk } from './refresh-policy';

const settings = { thresholdRatio: 0.25, jitterRatio: 0.05, backoffBaseMs: 5000, backoffMaxMs: 300_000 };

describe('refresh policy', () => {
  it('makes a token due when a quarter of its life is left, up to 5 % earlier', () => {
    const acquired = 1_000_000;
    expect(refreshDueAt(acquired, 3600, settings, 0).getTime()).toBe(acquired + 2700_000);
    expect(refreshDueAt(acquired, 3600, settings, 1).getTime()).toBe(acquired + 2700_000 - 180_000);
    const spread = new Set(Array.from({ length: 20 }, () => refreshDueAt(acquired, 3600, settings).getTime()));
    expect(spread.size).toBeGreaterThan(15);
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
    const now = 0;
    const minute = 61_000;
    // 11 renewals per window: the first 11 are safe whenever they expire after now + 2 s.
    const soon = Array.from({ length: 30 }, () => 10 * 60_000);
    expect(tokensAtRisk(soon, 11, minute, now)).toBe(0);
    // 30 tokens all expiring in 90 s: 11 now, 11 in a window, 8 would need a third window (122 s).
    expect(tokensAtRisk(Array.from({ length: 30 }, () => 90_000), 11, minute, now)).toBe(8);
    expect(tokensAtRisk([], 11, minute, now)).toBe(0);
  });
});
