import { Injectable, Provider } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { EnvelopeTable, SqlEnvelopeStore } from './sql-envelope-store';
import type { VaultCipher } from './vault-cipher';

export interface RewrapOutcome {
  rewrapped: number;
  /** Ids whose data key did not open: reported, skipped, never retried in the same run. */
  failed: string[];
}

/**
 * A table whose rows carry an envelope (a wrapped data key and its master key version).
 * Each module that seals data with the vault registers its table here, so that the key check,
 * the status and the re-wrap cover every envelope without the vault knowing those tables.
 */
export interface EnvelopeStore {
  readonly name: string;
  countByKeyVersion(): Promise<Record<string, number>>;
  /** Re-wraps up to `limit` rows under one of the `from` versions, skipping rows locked or in `skip`. */
  rewrapBatch(cipher: VaultCipher, from: string[], limit: number, skip: string[]): Promise<RewrapOutcome>;
}

@Injectable()
export class EnvelopeStores {
  private readonly stores: EnvelopeStore[] = [];

  /** Call from a provider's constructor, so registration is done before any module initialises. */
  register(store: EnvelopeStore): void {
    this.stores.push(store);
  }

  all(): readonly EnvelopeStore[] {
    return this.stores;
  }
}

/** A provider that registers a table of envelopes when it is created (before modules initialise). */
export function envelopeTableProvider(token: string, spec: EnvelopeTable): Provider {
  return {
    provide: token,
    inject: [getDataSourceToken(), EnvelopeStores],
    useFactory: (dataSource: DataSource, stores: EnvelopeStores) => {
      const store = new SqlEnvelopeStore(dataSource, spec);
      stores.register(store);
      return store;
    },
  };
}
