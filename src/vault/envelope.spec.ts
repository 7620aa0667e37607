import { IntegrityError, keyCheckValue, newDataKey, open, seal } from './envelope';
import { LocalKeyRing } from './local-key-ring';

const b64 = (byte: number) => Buffer.alloc(32, byte).toString('base64');

describe('envelope encryption', () => {
  it('round-trips, with a fresh nonce every time', () => {
    const key = newDataKey();
    const a = seal(key, Buffer.from('secret'), 'credential:1:primary');
    const b = seal(key, Buffer.from('secret'), 'credential:1:primary');
    expect(a.equals(b)).toBe(false);
    expect(open(key, a, 'credential:1:primary').toString()).toBe('secret');
  });

  it('refuses another place (AAD), another key, and any flipped byte', () => {
    const key = newDataKey();
    const sealed = seal(key, Buffer.from('secret'), 'credential:1:primary');
    expect(() => open(key, sealed, 'credential:2:primary')).toThrow(IntegrityError);
    expect(() => open(key, sealed, 'credential:1:secondary')).toThrow(IntegrityError);
    expect(() => open(newDataKey(), sealed, 'credential:1:primary')).toThrow(IntegrityError);
    for (let i = 0; i < sealed.length; i++) {
      const flipped = Buffer.from(sealed);
      flipped[i] ^= 0x01;
      expect(() => open(key, flipped, 'credential:1:primary')).toThrow(IntegrityError);
    }
    expect(() => open(key, sealed.subarray(0, 10), 'credential:1:primary')).toThrow(/malformed/);
  });

  it('derives a check value that tells keys apart and does not contain the key', () => {
    const key = Buffer.alloc(32, 7);
    expect(keyCheckValue(key)).toBe(keyCheckValue(Buffer.alloc(32, 7)));
    expect(keyCheckValue(key)).not.toBe(keyCheckValue(Buffer.alloc(32, 8)));
    expect(keyCheckValue(key)).not.toContain(key.toString('hex'));
  });
});

describe('LocalKeyRing', () => {
  it('wraps under the version asked for and unwraps only under the same version and context', async () => {
    const ring = LocalKeyRing.parse(`v1:${b64(1)}, v2:${b64(2)}`);
    expect(ring.versions()).toEqual(['v1', 'v2']);
    const dataKey = newDataKey();
    const wrapped = await ring.wrap('v2', dataKey, 'ctx');
    expect((await ring.unwrap('v2', wrapped, 'ctx')).equals(dataKey)).toBe(true);
    await expect(ring.unwrap('v1', wrapped, 'ctx')).rejects.toThrow(IntegrityError);
    await expect(ring.unwrap('v3', wrapped, 'ctx')).rejects.toThrow(/not in the key ring/);
    await expect(ring.unwrap('v2', wrapped, 'other')).rejects.toThrow(IntegrityError);
    expect(await ring.checkValue('v1')).toBe(keyCheckValue(Buffer.alloc(32, 1)));
  });

  it('wipes its keys when closed', async () => {
    const keys = new Map([['v1', Buffer.alloc(32, 1)]]);
    await new LocalKeyRing(keys).close();
    expect(keys.get('v1')!.equals(Buffer.alloc(32))).toBe(true);
  });
});
