import { FaultPlan, toFault } from './fault-plan';

describe('FaultPlan', () => {
  it('serves nothing when no fault is set', () => {
    expect(new FaultPlan().take('client-a')).toBeUndefined();
  });

  it('serves a global fault to every client and to requests without a client ID', () => {
    const plan = new FaultPlan();
    plan.setGlobal({ kind: 'status', status: 503 });
    expect(plan.take('client-a')).toEqual({ kind: 'status', status: 503 });
    expect(plan.take('client-b')).toEqual({ kind: 'status', status: 503 });
    expect(plan.take(undefined)).toEqual({ kind: 'status', status: 503 });
  });

  it("prefers a client's own fault over the global one", () => {
    const plan = new FaultPlan();
    plan.setGlobal({ kind: 'status', status: 503 });
    plan.setForClient('client-a', { kind: 'gateway', status: 502 });
    expect(plan.take('client-a')?.kind).toBe('gateway');
    expect(plan.take('client-b')?.kind).toBe('status');
  });

  it('clears a fault after `remaining` requests', () => {
    const plan = new FaultPlan();
    plan.setForClient('client-a', { kind: 'hang', remaining: 2 });
    expect(plan.take('client-a')?.kind).toBe('hang');
    expect(plan.take('client-a')?.kind).toBe('hang');
    expect(plan.take('client-a')).toBeUndefined();
    expect(plan.snapshot().clients).toEqual({});
  });

  it("falls back to the global fault once a client's counted fault is used up", () => {
    const plan = new FaultPlan();
    plan.setGlobal({ kind: 'latency', latencyMs: 10 });
    plan.setForClient('client-a', { kind: 'status', status: 500, remaining: 1 });
    expect(plan.take('client-a')?.kind).toBe('status');
    expect(plan.take('client-a')?.kind).toBe('latency');
  });

  it('does not use up a global counted fault on requests that a client fault served', () => {
    const plan = new FaultPlan();
    plan.setGlobal({ kind: 'status', status: 503, remaining: 1 });
    plan.setForClient('client-a', { kind: 'hang' });
    plan.take('client-a');
    expect(plan.take('client-b')?.kind).toBe('status');
    expect(plan.take('client-b')).toBeUndefined();
  });

  it('keeps its own copy, so a caller cannot change a fault in force', () => {
    const plan = new FaultPlan();
    const fault = { kind: 'status' as const, status: 503, remaining: 1 };
    plan.setGlobal(fault);
    fault.remaining = 100;
    plan.take(undefined);
    expect(plan.take(undefined)).toBeUndefined();
  });

  it('clears everything at once', () => {
    const plan = new FaultPlan();
    plan.setGlobal({ kind: 'hang' });
    plan.setForClient('client-a', { kind: 'hang' });
    plan.clearAll();
    expect(plan.snapshot()).toEqual({ global: null, clients: {} });
  });
});

describe('toFault', () => {
  it.each([
    [{ kind: 'status' }, { kind: 'status', status: 503 }],
    [{ kind: 'non_json' }, { kind: 'non_json', status: 502 }],
    [{ kind: 'gateway' }, { kind: 'gateway', status: 502 }],
    [
      { kind: 'gateway', status: 504, remaining: 3 },
      { kind: 'gateway', status: 504, remaining: 3 },
    ],
    [
      { kind: 'latency', latencyMs: 250 },
      { kind: 'latency', latencyMs: 250 },
    ],
    [{ kind: 'hang' }, { kind: 'hang' }],
    [{ kind: 'empty' }, { kind: 'empty', status: 403 }],
    [
      { kind: 'non_json', status: 403, retryAfterSeconds: 120 },
      { kind: 'non_json', status: 403, retryAfterSeconds: 120 },
    ],
    [
      { kind: 'oauth_error', error: 'invalid_request', description: 'User blocked' },
      { kind: 'oauth_error', status: 400, error: 'invalid_request', description: 'User blocked' },
    ],
    [
      { kind: 'oauth_error', error: 'invalid_request', status: 401 },
      { kind: 'oauth_error', status: 401, error: 'invalid_request', description: '' },
    ],
  ] as const)('reads %j with its defaults', (request, fault) => {
    expect(toFault(request)).toEqual({ fault });
  });

  it('reads none as no fault', () => {
    expect(toFault({ kind: 'none' })).toEqual({});
  });

  it.each([
    [{ kind: 'status', status: 429 }, 'status', /between 500 and 599/],
    [{ kind: 'gateway', status: 302 }, 'status', /between 400 and 599/],
    [{ kind: 'latency' }, 'latencyMs', /required/],
    [{ kind: 'latency', latencyMs: 10, status: 503 }, 'status', /does not apply/],
    [{ kind: 'status', latencyMs: 10 }, 'latencyMs', /latency only/],
    [{ kind: 'hang', status: 503 }, 'status', /does not apply/],
    [{ kind: 'none', remaining: 1 }, 'remaining', /does not apply/],
    [{ kind: 'oauth_error' }, 'error', /required/],
    [{ kind: 'oauth_error', error: 'invalid_request', status: 503 }, 'status', /between 400 and 499/],
    [{ kind: 'gateway', error: 'invalid_request' }, 'error', /oauth_error only/],
    [{ kind: 'hang', retryAfterSeconds: 5 }, 'retryAfterSeconds', /does not apply/],
    [{ kind: 'empty', status: 100 }, 'status', /between 200 and 599/],
  ] as const)('refuses %j, naming %s', (request, field, message) => {
    const { problem } = toFault(request);
    expect(problem?.field).toBe(field);
    expect(problem?.message).toMatch(message);
  });
});
