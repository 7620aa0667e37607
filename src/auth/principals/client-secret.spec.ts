import { generateClientSecret, hashClientSecret, UNKNOWN_CLIENT_HASH, verifyClientSecret } from './client-secret';

describe('client secrets', () => {
  it('generates 256-bit secrets that differ every time', () => {
    const a = generateClientSecret();
    const b = generateClientSecret();
    expect(a).not.toBe(b);
    expect(Buffer.from(a.replace(/^mibs_/, ''), 'base64url')).toHaveLength(32);
  });

  it('verifies the right secret and refuses a wrong one', async () => {
    const secret = generateClientSecret();
    const hash = await hashClientSecret(secret);
    expect(hash).not.toContain(secret);
    expect(hash).toMatch(/^scrypt\$15\$8\$1\$/);
    await expect(verifyClientSecret(secret, hash)).resolves.toBe(true);
    await expect(verifyClientSecret(`${secret}x`, hash)).resolves.toBe(false);
    await expect(verifyClientSecret('', hash)).resolves.toBe(false);
  });

  it('salts: the same secret hashes differently', async () => {
    const secret = generateClientSecret();
    expect(await hashClientSecret(secret)).not.toBe(await hashClientSecret(secret));
  });

  it('never matches the placeholder hash or a malformed one', async () => {
    await expect(verifyClientSecret('anything', UNKNOWN_CLIENT_HASH)).resolves.toBe(false);
    await expect(verifyClientSecret('anything', 'plain')).resolves.toBe(false);
  });
});
