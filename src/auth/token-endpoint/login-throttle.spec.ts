import { FailedLoginLimits, LoginThrottle } from './login-throttle';

describe('LoginThrottle', () => {
  let now = 0;
  const make = () => new LoginThrottle({ slowdownAfter: 3, maxFailures: 5, lockoutMs: 60_000, windowMs: 300_000, now: () => now });

  beforeEach(() => (now = 1_000_000));

  it('lets first attempts through without delay', () => {
    const throttle = make();
    throttle.recordFailure('a');
    throttle.recordFailure('a');
    expect(throttle.check('a')).toEqual({ allowed: true, delayMs: 0 });
  });

  it('delays growing after the slowdown threshold, then locks out with Retry-After', () => {
    const throttle = make();
    for (let i = 0; i < 3; i++) throttle.recordFailure('a');
    expect(throttle.check('a')).toEqual({ allowed: true, delayMs: 250 });
    throttle.recordFailure('a');
    expect(throttle.check('a')).toEqual({ allowed: true, delayMs: 500 });
    throttle.recordFailure('a');
    expect(throttle.check('a')).toEqual({ allowed: false, retryAfterSeconds: 60 });
    now += 30_000;
    expect(throttle.check('a')).toEqual({ allowed: false, retryAfterSeconds: 30 });
    now += 30_001;
    expect(throttle.check('a')).toEqual({ allowed: true, delayMs: 0 });
  });

  it('keeps client IDs apart and forgets after success', () => {
    const throttle = make();
    for (let i = 0; i < 5; i++) throttle.recordFailure('a');
    expect(throttle.check('b')).toEqual({ allowed: true, delayMs: 0 });
    throttle.recordFailure('b');
    throttle.recordSuccess('b');
    expect(throttle.check('b')).toEqual({ allowed: true, delayMs: 0 });
  });

  it('forgets failures older than the window', () => {
    const throttle = make();
    for (let i = 0; i < 4; i++) throttle.recordFailure('a');
    now += 300_001;
    expect(throttle.check('a')).toEqual({ allowed: true, delayMs: 0 });
  });

  it('tracks a bounded number of client IDs', () => {
    const throttle = new LoginThrottle({ slowdownAfter: 1, maxFailures: 2, lockoutMs: 1000, maxTracked: 2, now: () => now });
    throttle.recordFailure('a');
    throttle.recordFailure('b');
    throttle.recordFailure('c');
    expect(throttle.check('a')).toEqual({ allowed: true, delayMs: 0 });
    expect(throttle.check('c')).toEqual({ allowed: true, delayMs: 250 });
  });
});

describe('FailedLoginLimits', () => {
  let now = 0;
  const make = () => new FailedLoginLimits({ slowdownAfter: 2, maxFailures: 3, maxFailuresPerAddress: 5, lockoutMs: 60_000, now: () => now });

  beforeEach(() => (now = 1_000_000));

  it('refuses an address that tried too many client IDs, known or not, and no other', () => {
    const limits = make();
    for (let i = 0; i < 5; i++) {
      expect(limits.check('203.0.113.1', `random-${i}`)).toEqual({ allowed: true, delayMs: 0 });
      limits.recordFailure('203.0.113.1', `random-${i}`);
    }
    expect(limits.check('203.0.113.1', 'any-client')).toEqual({ allowed: false, retryAfterSeconds: 60 });
    expect(limits.check('203.0.113.2', 'any-client')).toEqual({ allowed: true, delayMs: 0 });
  });

  it('locks a client ID out only for the address that failed', () => {
    const limits = make();
    for (let i = 0; i < 3; i++) limits.recordFailure('203.0.113.1', 'service');
    expect(limits.check('203.0.113.1', 'service')).toEqual({ allowed: false, retryAfterSeconds: 60 });
    expect(limits.check('203.0.113.2', 'service')).toEqual({ allowed: true, delayMs: 0 });
  });

  it('keeps counting the address after a success', () => {
    const limits = make();
    for (let i = 0; i < 4; i++) limits.recordFailure('203.0.113.1', `guess-${i}`);
    limits.recordSuccess('203.0.113.1', 'own-client');
    limits.recordFailure('203.0.113.1', 'guess-5');
    expect(limits.check('203.0.113.1', 'own-client').allowed).toBe(false);
  });
});
