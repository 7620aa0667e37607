import { Injectable, Provider } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { EnvelopeTable, SqlEnvelopeStore } from './sql-envelope-store';
import type { EnvelopeStore } from './envelope-store';

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
