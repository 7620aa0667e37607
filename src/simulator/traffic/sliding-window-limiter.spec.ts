import { SlidingWindowLimiter } from './sliding-window-limiter';

function fakeClock(start = 1_700_000_000_000) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

describe('SlidingWindowLimiter', () => {
  it('allows the limit within one window and refuses the next request', () => {
    const clock = fakeClock();
    const limiter = new SlidingWindowLimiter(60_000, clock.now);
    const remaining = [];
    for (let i = 0; i < 3; i++) {
      const decision = limiter.attempt('client-a', 3);
      expect(decision.allowed).toBe(true);
      remaining.push(decision.remaining);
      clock.advance(1000);
    }
    expect(remaining).toEqual([2, 1, 0]);
    const refused = limiter.attempt('client-a', 3);
    expect(refused).toMatchObject({ allowed: false, limit: 3, remaining: 0 });
  });

  it('counts each key separately', () => {
    const limiter = new SlidingWindowLimiter(60_000, fakeClock().now);
    expect(limiter.attempt('a', 1).allowed).toBe(true);
    expect(limiter.attempt('a', 1).allowed).toBe(false);
    expect(limiter.attempt('b', 1).allowed).toBe(true);
  });

  it('frees a slot exactly when the oldest request leaves the window, not at a bucket edge', () => {
    const clock = fakeClock();
    const limiter = new SlidingWindowLimiter(10_000, clock.now);
    limiter.attempt('a', 2); // t = 0
    clock.advance(4000);
    limiter.attempt('a', 2); // t = 4 s
    clock.advance(5999); // t = 9.999 s: the first request is still in the window
    expect(limiter.attempt('a', 2).allowed).toBe(false);
    clock.advance(1); // t = 10 s: the first request has left
    expect(limiter.attempt('a', 2).allowed).toBe(true);
    // Now the requests at 4 s and 10 s fill the window; the next slot frees at 14 s.
    clock.advance(3999);
    expect(limiter.attempt('a', 2).allowed).toBe(false);
    clock.advance(1);
    expect(limiter.attempt('a', 2).allowed).toBe(true);
  });

  it('does not let refused requests use up slots', () => {
    const clock = fakeClock();
    const limiter = new SlidingWindowLimiter(10_000, clock.now);
    limiter.attempt('a', 1);
    for (let i = 0; i < 5; i++) {
      clock.advance(1000);
      expect(limiter.attempt('a', 1).allowed).toBe(false);
    }
    clock.advance(5000); // 10 s after the one allowed request
    expect(limiter.attempt('a', 1).allowed).toBe(true);
  });

  it('says how long until a slot frees, in whole seconds rounded up and at least 1', () => {
    const clock = fakeClock();
    const start = clock.now();
    const limiter = new SlidingWindowLimiter(60_000, clock.now);
    limiter.attempt('a', 2);
    clock.advance(15_500);
    limiter.attempt('a', 2);
    clock.advance(10_000); // 25.5 s after the first request: 34.5 s until it leaves
    const refused = limiter.attempt('a', 2);
    expect(refused.retryAfterSeconds).toBe(35);
    expect(refused.resetAt).toBe(start + 60_000);

    clock.advance(34_400); // 100 ms left
    expect(limiter.attempt('a', 2).retryAfterSeconds).toBe(1);
  });

  it('reports when a slot frees on allowed requests too', () => {
    const clock = fakeClock();
    const start = clock.now();
    const limiter = new SlidingWindowLimiter(60_000, clock.now);
    limiter.attempt('a', 5);
    clock.advance(20_000);
    const second = limiter.attempt('a', 5);
    expect(second).toMatchObject({ allowed: true, remaining: 3, resetAt: start + 60_000 });
  });

  it('waits for enough requests to leave when the limit was lowered below the count', () => {
    const clock = fakeClock();
    const start = clock.now();
    const limiter = new SlidingWindowLimiter(60_000, clock.now);
    for (let i = 0; i < 4; i++) {
      limiter.attempt('a', 10); // at 0, 1, 2, 3 s
      clock.advance(1000);
    }
    // Four requests in the window, limit now 2: three must leave before a fifth fits, the last at 2 s.
    const refused = limiter.attempt('a', 2);
    expect(refused.allowed).toBe(false);
    expect(refused.resetAt).toBe(start + 2000 + 60_000);
  });

  it('forgets everything on reset', () => {
    const limiter = new SlidingWindowLimiter(60_000, fakeClock().now);
    limiter.attempt('a', 1);
    limiter.reset();
    expect(limiter.attempt('a', 1).allowed).toBe(true);
  });
});
