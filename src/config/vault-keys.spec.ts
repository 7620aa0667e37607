import { activeKeyVersion, parsePkcs11Keys, parseVaultKeys, vaultKeyProblems } from './vault-keys';

const b64 = (byte: number) => Buffer.alloc(32, byte).toString('base64');

describe('VAULT_KEYS', () => {
  it('reads versions and 32-byte keys', () => {
    const keys = parseVaultKeys(`v1:${b64(1)}, v2:${b64(2)}`);
    expect([...keys.keys()]).toEqual(['v1', 'v2']);
    expect(keys.get('v2')!.equals(Buffer.alloc(32, 2))).toBe(true);
  });

  it.each([
    ['', /holds no key/],
    [`v1:${Buffer.alloc(16).toString('base64')}`, /exactly 32 bytes/],
    [`:${b64(1)}`, /entry 1/],
    [`bad version:${b64(1)}`, /entry 1/],
    [`v1:${b64(1)},v1:${b64(2)}`, /twice/],
  ])('refuses %j', (spec, message) => {
    expect(() => parseVaultKeys(spec)).toThrow(message);
  });

  it('never puts key material into its errors', () => {
    const key = b64(9);
    expect(() => parseVaultKeys(`v1:${key},v1:${key}`)).toThrow(expect.objectContaining({ message: expect.not.stringContaining(key) }));
  });
});

describe('VAULT_PKCS11_KEYS', () => {
  it('reads versions and key labels', () => {
    expect([...parsePkcs11Keys('v1:broker-kek-v1, v2:broker-kek-v2')]).toEqual([
      ['v1', 'broker-kek-v1'],
      ['v2', 'broker-kek-v2'],
    ]);
  });

  it.each([
    ['', /holds no key/],
    ['broker-kek-v1', /entry 1 must be <version>:<key label>/],
    ['v1:has space', /entry 1/],
    ['v1:a,v1:b', /version v1 twice/],
    ['v1:a,v2:a', /key label a twice/],
  ])('refuses %j', (spec, message) => {
    expect(() => parsePkcs11Keys(spec)).toThrow(message);
  });
});

describe('the active key', () => {
  it('is the only version when VAULT_ACTIVE_KEY is unset, and must be named among several', () => {
    expect(activeKeyVersion(['main'], undefined)).toBe('main');
    expect(() => activeKeyVersion(['v1', 'v2'], undefined)).toThrow(/VAULT_ACTIVE_KEY must name/);
    expect(() => activeKeyVersion(['v1'], 'v9')).toThrow(/not among/);
  });
});

describe('the key rings together', () => {
  it('lets local and PKCS#11 versions stand side by side, one active, while moving to the token', () => {
    expect(vaultKeyProblems({ ring: 'pkcs11', localKeys: `v1:${b64(1)}`, pkcs11Keys: 'h1:kek-h1', activeKey: 'h1' })).toEqual([]);
    expect(vaultKeyProblems({ ring: 'pkcs11', localKeys: `v1:${b64(1)}`, pkcs11Keys: 'h1:kek-h1', activeKey: 'v1' })).toEqual([]);
    expect(vaultKeyProblems({ ring: 'pkcs11', pkcs11Keys: 'h1:kek-h1' })).toEqual([]);
  });

  it.each([
    [{ ring: 'pkcs11' }, /VAULT_PKCS11_KEYS is not set/],
    [{ ring: 'local', localKeys: `v1:${b64(1)}`, pkcs11Keys: 'h1:kek' }, /VAULT_KEY_RING is local/],
    [{ ring: 'pkcs11', localKeys: `v1:${b64(1)}`, pkcs11Keys: 'v1:kek' }, /both name version v1/],
    [{ ring: 'pkcs11', localKeys: `v1:${b64(1)}`, pkcs11Keys: 'h1:kek' }, /VAULT_ACTIVE_KEY must name/],
    [{ ring: 'pkcs11', pkcs11Keys: 'h1:kek', activeKey: 'v1' }, /v1 is not among the master key versions \(h1\)/],
    [{ ring: 'local', activeKey: 'v1' }, /VAULT_ACTIVE_KEY is set but VAULT_KEYS is not/],
  ] as const)('refuses %j', (vars, message) => {
    expect(vaultKeyProblems(vars)).toEqual([expect.stringMatching(message)]);
  });
});
