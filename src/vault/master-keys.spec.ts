import { Counter, Histogram } from 'prom-client';
import { IntegrityError } from './envelope';
import { KeyRingUnavailable } from './key-ring';
import { LocalKeyRing } from './local-key-ring';
import { MasterKeys } from './master-keys';

const newMetrics = () => ({
  keyRingOperations: new Counter({ name: 'ops', help: 'ops', labelNames: ['ring', 'operation', 'outcome'] as const, registers: [] }),
  keyRingOperationSeconds: new Histogram({ name: 'seconds', help: 'seconds', labelNames: ['ring', 'operation'] as const, registers: [] }),
});
const local = (spec: Record<string, number>) => new LocalKeyRing(new Map(Object.entries(spec).map(([version, byte]) => [version, Buffer.alloc(32, byte)])));

describe('MasterKeys', () => {
  it('wraps under the active version, unwraps with the ring holding each version, and counts every call by outcome', async () => {
    const metrics = newMetrics();
    const down = Object.assign(local({ h1: 3 }), {
      kind: 'pkcs11' as const,
      unwrap: async () => {
        throw new KeyRingUnavailable('the device did not answer', 2);
      },
    });
    const keys = new MasterKeys([local({ v1: 1, v2: 2 }), down], 'v2', metrics);
    expect(keys.versions()).toEqual(['v1', 'v2', 'h1']);
    const dataKey = Buffer.alloc(32, 9);
    const { version, wrapped } = await keys.wrap(dataKey, 'ctx');
    expect(version).toBe('v2');
    expect((await keys.unwrap('v2', wrapped, 'ctx')).equals(dataKey)).toBe(true);
    await expect(keys.unwrap('v1', wrapped, 'ctx')).rejects.toThrow(IntegrityError);
    await expect(keys.unwrap('x9', wrapped, 'ctx')).rejects.toThrow(/not in the key ring/);
    await expect(keys.unwrap('h1', wrapped, 'ctx')).rejects.toThrow(KeyRingUnavailable);
    const counted = (await metrics.keyRingOperations.get()).values.map((sample) => [
      sample.labels.ring,
      sample.labels.operation,
      sample.labels.outcome,
      sample.value,
    ]);
    expect(counted).toEqual(
      expect.arrayContaining([
        ['local', 'wrap', 'success', 1],
        ['local', 'unwrap', 'success', 1],
        ['local', 'unwrap', 'integrity_error', 1],
        ['pkcs11', 'unwrap', 'unavailable', 1],
      ]),
    );
  });

  it('refuses a version in two rings, and an active version no ring holds', () => {
    const metrics = newMetrics();
    expect(() => new MasterKeys([local({ v1: 1 }), local({ v1: 2 })], 'v1', metrics)).toThrow(/in two key rings/);
    expect(() => new MasterKeys([local({ v1: 1 })], 'v9', metrics)).toThrow(/not among/);
  });
});
