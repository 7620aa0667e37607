import { DataSource } from 'typeorm';
import { IntegrityError } from './envelope';
import type { EnvelopeStore, RewrapOutcome } from './envelope-store';
import type { VaultCipher } from './vault-cipher';

export interface EnvelopeTable {
  /** Table with `data_key_wrapped` and `key_version` columns. */
  table: string;
  idColumn: string;
  idType: 'uuid' | 'varchar';
  /** The AAD context of a row, as used when it was sealed. */
  context: (id: string) => string;
}

/**
 * Any table of envelopes as an EnvelopeStore. Re-wrapping takes rows with SKIP LOCKED, so
 * several runs (two replicas, or the CLI beside the API) share the work without waiting on
 * or repeating each other, and commits per batch, so a stopped run resumes where it was.
 */
export class SqlEnvelopeStore implements EnvelopeStore {
  readonly name: string;

  constructor(
    private readonly dataSource: DataSource,
    private readonly spec: EnvelopeTable,
  ) {
    if (!/^[a-z_]+$/.test(spec.table) || !/^[a-z_]+$/.test(spec.idColumn)) throw new Error('invalid envelope table');
    this.name = spec.table;
  }

  async countByKeyVersion(): Promise<Record<string, number>> {
    const rows = (await this.dataSource.query(`SELECT key_version, count(*)::int AS n FROM ${this.spec.table} GROUP BY key_version`)) as Array<{
      key_version: string;
      n: number;
    }>;
    return Object.fromEntries(rows.map((row) => [row.key_version, row.n]));
  }

  async rewrapBatch(cipher: VaultCipher, from: string[], limit: number, skip: string[]): Promise<RewrapOutcome> {
    const { table, idColumn, idType } = this.spec;
    return this.dataSource.transaction(async (manager) => {
      const rows = (await manager.query(
        `SELECT ${idColumn} AS id, data_key_wrapped, key_version FROM ${table}
          WHERE key_version = ANY($1::varchar[]) AND NOT (${idColumn} = ANY($2::${idType}[]))
          ORDER BY ${idColumn} LIMIT $3 FOR UPDATE SKIP LOCKED`,
        [from, skip, limit],
      )) as Array<{ id: string; data_key_wrapped: Buffer; key_version: string }>;
      const outcome: RewrapOutcome = { rewrapped: 0, failed: [] };
      for (const row of rows) {
        try {
          const envelope = await cipher.rewrap({ dataKeyWrapped: row.data_key_wrapped, keyVersion: row.key_version }, this.spec.context(row.id));
          if (!envelope) continue;
          await manager.query(`UPDATE ${table} SET data_key_wrapped = $1, key_version = $2 WHERE ${idColumn} = $3`, [
            envelope.dataKeyWrapped,
            envelope.keyVersion,
            row.id,
          ]);
          outcome.rewrapped += 1;
        } catch (error) {
          if (!(error instanceof IntegrityError)) throw error;
          outcome.failed.push(row.id);
        }
      }
      return outcome;
    });
  }
}
