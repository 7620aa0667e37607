import { nextAttemptDelay } from './delivery-retry';

describe('nextAttemptDelay', () => {
  const policy = { baseMs: 1000, maxMs: 8000, giveUpAfterMs: 60_000 };

  it('doubles from the base up to the most, each within ±20 %', () => {
    expect([1, 2, 3, 4, 5, 6].map((attempts) => nextAttemptDelay(policy, attempts, 0, () => 0.5))).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
    expect(nextAttemptDelay(policy, 1, 0, () => 0)).toBe(800);
    expect(nextAttemptDelay(policy, 1, 0, () => 1)).toBe(1200);
  });

  it('gives up once the next attempt would come after the retry period', () => {
    expect(nextAttemptDelay(policy, 4, 52_000, () => 0.5)).toBe(8000);
    expect(nextAttemptDelay(policy, 4, 52_001, () => 0.5)).toBeNull();
  });
});
