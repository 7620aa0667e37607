import type { OnApplicationShutdown } from '@nestjs/common';
import { activeKeyVersion } from '../config/vault-keys';
import type { MetricsService } from '../metrics/metrics.service';
import { IntegrityError } from './envelope';
import { KeyRing, KeyRingAvailability, KeyRingKind, KeyRingUnavailable } from './key-ring';

export interface KeyRingReport extends KeyRingAvailability {
  kind: KeyRingKind;
  versions: string[];
}

/**
 * Every master key version the vault holds, across its key rings (local keys, PKCS#11 keys, or
 * both while moving from one to the other), and the active version that wraps new data keys.
 * Each call goes to the ring of its version and is counted and timed.
 */
export class MasterKeys implements OnApplicationShutdown {
  readonly activeVersion: string;
  private readonly byVersion = new Map<string, KeyRing>();

  constructor(
    private readonly rings: readonly KeyRing[],
    activeKey: string | undefined,
    private readonly metrics: Pick<MetricsService, 'keyRingOperations' | 'keyRingOperationSeconds'>,
  ) {
    for (const ring of rings) {
      for (const version of ring.versions()) {
        if (this.byVersion.has(version)) throw new Error(`master key version ${version} is in two key rings`);
        this.byVersion.set(version, ring);
      }
    }
    this.activeVersion = activeKeyVersion([...this.byVersion.keys()], activeKey);
  }

  versions(): string[] {
    return [...this.byVersion.keys()];
  }

  describe(version: string): string {
    return this.byVersion.get(version)?.describe(version) ?? `master key version ${version}`;
  }

  async wrap(dataKey: Buffer, context: string): Promise<{ version: string; wrapped: Buffer }> {
    const version = this.activeVersion;
    const ring = this.byVersion.get(version)!;
    return { version, wrapped: await this.measure(ring, 'wrap', () => ring.wrap(version, dataKey, context)) };
  }

  /** Throws IntegrityError when it does not open (or no ring holds the version), KeyRingUnavailable when the ring cannot answer now. */
  async unwrap(version: string, wrapped: Buffer, context: string): Promise<Buffer> {
    const ring = this.byVersion.get(version);
    if (!ring) throw new IntegrityError(`master key ${version} is not in the key ring`);
    return this.measure(ring, 'unwrap', () => ring.unwrap(version, wrapped, context));
  }

  async checkValue(version: string): Promise<string> {
    const ring = this.byVersion.get(version);
    if (!ring) throw new Error(`master key ${version} is not in the key ring`);
    return this.measure(ring, 'check_value', () => ring.checkValue(version));
  }

  /** Available when every ring is: a version in a ring that is down cannot be opened. */
  report(): { available: boolean; rings: KeyRingReport[] } {
    const rings = this.rings.map((ring) => ({ kind: ring.kind, versions: ring.versions(), ...ring.availability() }));
    return { available: rings.every((ring) => ring.available), rings };
  }

  /** After the requests have finished: sessions closed, local keys wiped. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.rings.map((ring) => ring.close()));
  }

  private async measure<T>(ring: KeyRing, operation: string, call: () => Promise<T>): Promise<T> {
    const labels = { ring: ring.kind, operation };
    const stop = this.metrics.keyRingOperationSeconds.startTimer(labels);
    let outcome = 'error';
    try {
      const result = await call();
      outcome = 'success';
      return result;
    } catch (error) {
      if (error instanceof IntegrityError) outcome = 'integrity_error';
      if (error instanceof KeyRingUnavailable) outcome = 'unavailable';
      throw error;
    } finally {
      stop();
      this.metrics.keyRingOperations.inc({ ...labels, outcome });
    }
  }
}
