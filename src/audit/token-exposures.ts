import { Injectable, Logger } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

/** Write the event only the first time this principal is exposed to this token (across replicas). */
export interface ExposureKey {
  principalId: string;
  fingerprint: string;
  /** When the token expires: its row can go then. Without it, the row goes a day after it was written. */
  expiresAt?: Date;
}

const PRUNE_BATCH = 5000;

/**
 * Which caller has already received which token (`token_exposures`), so that `token.issued` is
 * written once per caller and token across replicas. Rows outlive their token only until the
 * hourly prune.
 */
@Injectable()
export class TokenExposures {
  private readonly logger = new Logger(TokenExposures.name);

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Records the exposures in the caller's transaction and returns the keys (`principal:fingerprint`)
   * seen for the first time. Rows are inserted in key order, each key once, so that two replicas
   * inserting overlapping keys lock them in the same order and cannot deadlock.
   */
  async claim(manager: EntityManager, keys: ExposureKey[]): Promise<Set<string>> {
    const unique = new Map<string, ExposureKey>();
    for (const key of keys) if (!unique.has(exposureId(key))) unique.set(exposureId(key), key);
    if (unique.size === 0) return new Set();
    const sorted = [...unique.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, key]) => key);
    const inserted = (await manager.query(
      `INSERT INTO token_exposures (principal_id, fingerprint, expires_at)
       SELECT * FROM unnest($1::uuid[], $2::char(32)[], $3::timestamptz[]) ON CONFLICT DO NOTHING RETURNING principal_id, fingerprint`,
      [sorted.map((k) => k.principalId), sorted.map((k) => k.fingerprint), sorted.map((k) => k.expiresAt ?? null)],
    )) as Array<{ principal_id: string; fingerprint: string }>;
    return new Set(inserted.map((row) => exposureId({ principalId: row.principal_id, fingerprint: row.fingerprint })));
  }

  /**
   * Hourly, in every replica (deleting twice is harmless). MyInvois tokens live an hour, so a
   * row without an expiry is pruned a day after its first exposure; pruning a row too early
   * could only repeat a `token.issued` event, never lose one. In batches, to keep locks short.
   */
  @Cron('41 * * * *', { name: 'token-exposures-prune' })
  async pruneExpired(): Promise<number> {
    let pruned = 0;
    for (;;) {
      const [, deleted] = (await this.dataSource.query(
        `DELETE FROM token_exposures WHERE ctid = ANY (ARRAY(
           SELECT ctid FROM token_exposures
            WHERE expires_at < now() OR (expires_at IS NULL AND first_at < now() - interval '1 day')
            LIMIT ${PRUNE_BATCH}))`,
      )) as [unknown, number];
      pruned += deleted;
      if (deleted < PRUNE_BATCH) break;
    }
    if (pruned > 0) this.logger.log({ pruned }, 'pruned the exposures of expired tokens');
    return pruned;
  }
}

export function exposureId(key: Pick<ExposureKey, 'principalId' | 'fingerprint'>): string {
  return `${key.principalId}:${key.fingerprint}`;
}
