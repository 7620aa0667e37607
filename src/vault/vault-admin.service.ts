import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Actor } from '../common/actor';
import { AuditService } from '../audit/audit.service';
import { Credential } from './credential.entity';
import { contextOf } from './credentials.service';
import { IntegrityError } from './envelope';
import { EnvelopeStores } from './envelope-stores';
import { KeyRingReport, MasterKeys } from './master-keys';
import { VaultCipher } from './vault-cipher';
import { VaultError, VaultErrorCode } from './vault.errors';

export interface VaultStatus {
  activeVersion: string;
  ringVersions: string[];
  /** The key rings (local, PKCS#11) with their versions and whether they answer. */
  rings: KeyRingReport[];
  /** Data keys per master key version, per table. */
  dataKeys: Array<{ version: string; inRing: boolean; total: number; byStore: Record<string, number> }>;
  /** Versions in VAULT_KEYS that wrap nothing any more and are not active: safe to remove. */
  removableVersions: string[];
}

export interface RewrapSummary {
  activeVersion: string;
  rewrapped: number;
  failed: Array<{ store: string; id: string }>;
  remaining: number;
}

export interface IntegrityReport {
  checked: number;
  failed: Array<{ credentialId: string; part: string }>;
}

const BATCH = 100;

/** The operator's view of the vault: status, key rotation (re-wrap), integrity check. */
@Injectable()
export class VaultAdminService {
  private readonly logger = new Logger('Vault');

  constructor(
    private readonly ring: MasterKeys,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly stores: EnvelopeStores,
    private readonly cipher: VaultCipher,
    private readonly audit: AuditService,
  ) {}

  async status(): Promise<VaultStatus> {
    const totals = new Map<string, Record<string, number>>();
    for (const store of this.stores.all()) {
      for (const [version, count] of Object.entries(await store.countByKeyVersion())) {
        totals.set(version, { ...totals.get(version), [store.name]: count });
      }
    }
    const ringVersions = this.ring.versions();
    const versions = [...new Set([...ringVersions, ...totals.keys()])].sort();
    const dataKeys = versions.map((version) => {
      const byStore = totals.get(version) ?? {};
      return { version, inRing: ringVersions.includes(version), total: Object.values(byStore).reduce((a, b) => a + b, 0), byStore };
    });
    return {
      activeVersion: this.ring.activeVersion,
      ringVersions,
      rings: this.ring.report().rings,
      dataKeys,
      removableVersions: dataKeys.filter((k) => k.inRing && k.total === 0 && k.version !== this.ring.activeVersion).map((k) => k.version),
    };
  }

  /**
   * Online, batched, resumable, and safe to run twice or from two replicas at once. `limit`
   * stops the run after that many data keys (a large rotation spread over several runs).
   */
  async rewrap(actor: Actor, options: { limit?: number } = {}): Promise<RewrapSummary> {
    const from = await this.rewrapSources();
    const failed: RewrapSummary['failed'] = [];
    let rewrapped = 0;
    const room = () => Math.min(BATCH, (options.limit ?? Infinity) - rewrapped);
    for (const store of this.stores.all()) {
      const skip: string[] = [];
      while (room() > 0) {
        const batch = await store.rewrapBatch(this.cipher, from, room(), skip);
        rewrapped += batch.rewrapped;
        skip.push(...batch.failed);
        failed.push(...batch.failed.map((id) => ({ store: store.name, id })));
        if (batch.rewrapped === 0 && batch.failed.length === 0) break;
      }
    }
    const remaining = (await this.status()).dataKeys.filter((k) => k.version !== this.ring.activeVersion).reduce((sum, k) => sum + k.total, 0);
    const summary = { activeVersion: this.ring.activeVersion, rewrapped, failed, remaining };
    await this.audit.recordCommitted({ actor, action: 'vault.rewrapped', outcome: failed.length ? 'failure' : 'success', details: summary });
    if (failed.length) this.logger.error({ failed }, 'some data keys could not be re-wrapped: they failed their integrity check');
    return summary;
  }

  /**
   * The master key versions a re-wrap moves data keys away from: those first seen before the
   * active one. Data keys under a version first seen after it mean that this process runs with
   * an out-of-date VAULT_ACTIVE_KEY while a rotation rolls out; moving them back would undo the
   * rotation (and fail on replicas that no longer hold the old key), so the re-wrap is refused.
   */
  private async rewrapSources(): Promise<string[]> {
    const known = (await this.dataSource.query('SELECT version, first_seen_at FROM vault_keys')) as Array<{ version: string; first_seen_at: Date }>;
    const activeSince = known.find((key) => key.version === this.ring.activeVersion)?.first_seen_at.getTime() ?? Infinity;
    const isNewer = (key: { first_seen_at: Date }) => key.first_seen_at.getTime() > activeSince;
    const inUse = new Set((await this.status()).dataKeys.filter((key) => key.total > 0).map((key) => key.version));
    const newerInUse = known.filter((key) => isNewer(key) && inUse.has(key.version)).map((key) => key.version);
    if (newerInUse.length > 0) {
      throw new VaultError(
        VaultErrorCode.RewrapRefused,
        `Refusing to re-wrap under ${this.ring.activeVersion}: data keys are already wrapped under ${newerInUse.join(', ')}, a newer master key. ` +
          'This process runs with an out-of-date VAULT_ACTIVE_KEY; re-wrap on a replica that runs the new configuration.',
        { activeVersion: this.ring.activeVersion, newerVersions: newerInUse },
      );
    }
    return known.filter((key) => key.version !== this.ring.activeVersion && !isNewer(key)).map((key) => key.version);
  }

  /** Opens every credential's data key and secrets (without keeping them) and names what fails. */
  async check(): Promise<IntegrityReport> {
    const report: IntegrityReport = { checked: 0, failed: [] };
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const rows = await this.dataSource
        .getRepository(Credential)
        .createQueryBuilder('c')
        .where('c.id > :after', { after })
        .orderBy('c.id')
        .limit(BATCH)
        .getMany();
      if (rows.length === 0) return report;
      for (const credential of rows) {
        report.checked += 1;
        const part = await this.firstFailingPart(credential);
        if (part) report.failed.push({ credentialId: credential.id, part });
      }
      after = rows[rows.length - 1].id;
    }
  }

  private async firstFailingPart(credential: Credential): Promise<string | undefined> {
    const context = contextOf(credential.id);
    let dataKey: Buffer;
    try {
      dataKey = await this.cipher.openDataKey(credential, context);
    } catch (error) {
      if (error instanceof IntegrityError) return 'data key';
      throw error;
    }
    try {
      const fields: Array<[string, Buffer | null]> = [
        ['primary_secret', credential.primarySecret],
        ['secondary_secret', credential.secondarySecret],
      ];
      for (const [field, sealed] of fields) {
        if (!sealed) continue;
        try {
          this.cipher.openField(dataKey, context, field, sealed);
        } catch (error) {
          if (error instanceof IntegrityError) return field;
          throw error;
        }
      }
      return undefined;
    } finally {
      dataKey.fill(0);
    }
  }
}
