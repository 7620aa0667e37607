import { DomainError } from './domain-error';
import { defineErrorCodes } from './error-codes';

export enum DatabaseErrorCode {
  Unavailable = 'database_unavailable',
}

defineErrorCodes<DatabaseErrorCode>({ [DatabaseErrorCode.Unavailable]: 'unavailable' });

/** PostgreSQL restarts in seconds; a client that comes back sooner would only add load. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** What a request that needed PostgreSQL gets while it cannot be reached, restarts or is read-only. */
export class DatabaseUnavailableError extends DomainError {
  constructor() {
    super(
      DatabaseErrorCode.Unavailable,
      'unavailable',
      'The database cannot be reached right now; nothing was changed. Try again after Retry-After',
      undefined,
      DATABASE_RETRY_AFTER_SECONDS,
    );
  }
}
