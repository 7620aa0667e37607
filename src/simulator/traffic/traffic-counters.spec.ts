import { TrafficCounters } from './traffic-counters';

describe('TrafficCounters', () => {
  it('counts per client and in total', () => {
    const counters = new TrafficCounters();
    counters.begin('a')();
    counters.record('a', 'logins');
    counters.begin('b')();
    counters.record('b', 'failures');
    counters.begin(undefined)();
    counters.record(undefined, 'failures');
    expect(counters.forClient('a')).toMatchObject({ requests: 1, logins: 1, failures: 0 });
    expect(counters.forClient('b')).toMatchObject({ requests: 1, logins: 0, failures: 1 });
    expect(counters.totals()).toMatchObject({ requests: 3, logins: 1, failures: 2 });
  });

  it('tracks requests in flight and the most seen at once', () => {
    const counters = new TrafficCounters();
    const ends = [counters.begin('a'), counters.begin('a'), counters.begin('a')];
    ends[0]();
    const fourth = counters.begin('a');
    expect(counters.forClient('a')).toMatchObject({ inFlight: 3, maxInFlight: 3 });
    ends[1]();
    ends[2]();
    fourth();
    expect(counters.forClient('a')).toMatchObject({ inFlight: 0, maxInFlight: 3 });
  });

  it('ends a request only once, however often it is told', () => {
    const counters = new TrafficCounters();
    const end = counters.begin('a');
    counters.begin('a');
    end();
    end();
    expect(counters.forClient('a')?.inFlight).toBe(1);
  });

  it('zeroes on reset but keeps requests still in flight', () => {
    const counters = new TrafficCounters();
    const stillRunning = counters.begin('a');
    counters.begin('b')();
    counters.record('a', 'placeholderCalls');
    counters.reset();
    expect(counters.forClient('a')).toEqual({ ...TrafficCounters.empty(), inFlight: 1, maxInFlight: 1 });
    expect(counters.forClient('b')).toBeUndefined();
    stillRunning();
    expect(counters.totals().inFlight).toBe(0);
  });
});
