import { canonicalJson, ChainedFields, eventHash, GENESIS_HASH, sanitiseDetails, tokenFingerprint } from './canonical';

const event = (overrides: Partial<ChainedFields> = {}): ChainedFields => ({
  seq: '1',
  occurredAt: '2026-11-25T10:00:00.000Z',
  actorType: 'principal',
  actorId: '0b6e8f7c-0000-4000-8000-000000000001',
  actorName: 'ops',
  action: 'tenant.created',
  tenantId: null,
  targetType: 'tenant',
  targetId: 'x',
  outcome: 'success',
  requestId: 'r1',
  callerIp: '10.0.0.1',
  details: { b: 1, a: { d: [1, { z: 1, y: 2 }], c: 'x' } },
  ...overrides,
});

describe('audit chain hashing', () => {
  it('serialises with sorted keys at every depth', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: [{ y: 1, x: 2 }] } })).toBe('{"a":{"c":[{"x":2,"y":1}],"d":2},"b":1}');
    expect(canonicalJson({ a: undefined, b: null })).toBe('{"b":null}');
  });

  it('gives the same hash for the same event whatever the key order', () => {
    const reordered = { ...event(), details: { a: { c: 'x', d: [1, { y: 2, z: 1 }] }, b: 1 } };
    expect(eventHash(GENESIS_HASH, reordered)).toBe(eventHash(GENESIS_HASH, event()));
  });

  it('changes the hash when any field or the previous hash changes', () => {
    const base = eventHash(GENESIS_HASH, event());
    expect(eventHash('1'.repeat(64), event())).not.toBe(base);
    for (const change of [{ seq: '2' }, { actorName: 'x' }, { outcome: 'failure' }, { details: { b: 2 } }, { tenantId: 'y' }]) {
      expect(eventHash(GENESIS_HASH, event(change))).not.toBe(base);
    }
  });

  it('fingerprints tokens by key: stable, not reversible, different under another key', () => {
    const key = Buffer.alloc(32, 1);
    expect(tokenFingerprint(key, 'token-a')).toBe(tokenFingerprint(key, 'token-a'));
    expect(tokenFingerprint(key, 'token-a')).not.toBe(tokenFingerprint(key, 'token-b'));
    expect(tokenFingerprint(Buffer.alloc(32, 2), 'token-a')).not.toBe(tokenFingerprint(key, 'token-a'));
    expect(tokenFingerprint(key, 'token-a')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('redacts secret-sounding keys at any depth and normalises values', () => {
    const cleaned = sanitiseDetails({
      clientSecret: 's1',
      nested: { client_secret: 's2', access_token: 't', list: [{ password: 'p' }], ok: 'kept' },
      token: 't2',
      tokenFingerprint: 'kept-too',
      when: new Date('2026-01-01T00:00:00Z'),
      gone: undefined,
    });
    expect(cleaned).toEqual({
      clientSecret: '[redacted]',
      nested: { client_secret: '[redacted]', access_token: '[redacted]', list: [{ password: '[redacted]' }], ok: 'kept' },
      token: '[redacted]',
      tokenFingerprint: 'kept-too',
      when: '2026-01-01T00:00:00.000Z',
    });
  });

  it('keeps facts about secrets that are not secrets, and still redacts the secrets beside them', () => {
    const cleaned = sanitiseDetails({
      secretsSet: 2,
      secretExpiresAt: new Date('2027-01-01T00:00:00Z'),
      changes: { secretExpiresAt: { from: null, to: '2027-01-01T00:00:00.000Z' }, clientSecret: { from: 's1', to: 's2' } },
      secretVersion: 3,
      secretsVersion: 4,
      secretExpiry: 's3',
      newSecret: 's4',
    });
    expect(cleaned).toEqual({
      secretsSet: 2,
      secretExpiresAt: '2027-01-01T00:00:00.000Z',
      changes: { secretExpiresAt: { from: null, to: '2027-01-01T00:00:00.000Z' }, clientSecret: '[redacted]' },
      secretVersion: 3,
      secretsVersion: 4,
      secretExpiry: '[redacted]',
      newSecret: '[redacted]',
    });
  });

  it('makes every string storable as jsonb, keys included, and the hash covers the stored form', () => {
    const cleaned = sanitiseDetails({ clientId: '\ud800x', ['k\u0000\udc00']: ['a\u0000', '\ud83d'], bad: new Date(Number.NaN), fn: [() => 1] });
    expect(cleaned).toEqual({ clientId: '\ufffdx', ['k\ufffd']: ['a', '\ufffd'], bad: null, fn: [null] });
    // What jsonb gives back (JSON text, parsed) hashes as what was hashed before storing it.
    const stored = JSON.parse(JSON.stringify(cleaned));
    expect(eventHash(GENESIS_HASH, event({ details: stored }))).toBe(eventHash(GENESIS_HASH, event({ details: cleaned })));
    expect(JSON.stringify(cleaned)).not.toMatch(/\\u(d[89a-f]|0000)/i);
  });
});
