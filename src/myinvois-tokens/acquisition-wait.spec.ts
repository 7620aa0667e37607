import { BusyWait, whileBusy } from './acquisition-wait';

const wait = (overrides: Partial<BusyWait> = {}): BusyWait => ({
  startedMs: 10_000,
  nowMs: 10_000,
  leaseLeftMs: 25_000,
  waitMaxMs: 5000,
  deadAfterSeconds: 3,
  pollMs: 75,
  ...overrides,
});

describe('whileBusy', () => {
  it('claims again after the pause while LOGIN_WAIT_MAX_MS lasts, never past it', () => {
    expect(whileBusy(wait())).toEqual({ kind: 'claim_again', afterMs: 75 });
    expect(whileBusy(wait({ nowMs: 14_960 }))).toEqual({ kind: 'claim_again', afterMs: 40 });
  });

  it('gives up once LOGIN_WAIT_MAX_MS is spent, however long the lease still runs', () => {
    expect(whileBusy(wait({ nowMs: 15_000 }))).toEqual({ kind: 'give_up', retryAfterSeconds: 3 });
    expect(whileBusy(wait({ nowMs: 40_000, leaseLeftMs: 300_000 }))).toEqual({ kind: 'give_up', retryAfterSeconds: 3 });
  });

  it('suggests the lease left when it ends sooner than a dead holder would be noticed, and at least one second', () => {
    expect(whileBusy(wait({ nowMs: 15_000, leaseLeftMs: 1200 }))).toEqual({ kind: 'give_up', retryAfterSeconds: 2 });
    expect(whileBusy(wait({ nowMs: 15_000, leaseLeftMs: 0 }))).toEqual({ kind: 'give_up', retryAfterSeconds: 1 });
    expect(whileBusy(wait({ nowMs: 15_000, leaseLeftMs: -500 }))).toEqual({ kind: 'give_up', retryAfterSeconds: 1 });
  });

  it('answers at once with LOGIN_WAIT_MAX_MS=0', () => {
    expect(whileBusy(wait({ waitMaxMs: 0 }))).toEqual({ kind: 'give_up', retryAfterSeconds: 3 });
  });
});
