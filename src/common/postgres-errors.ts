import { DatabaseError } from 'pg';
import { QueryFailedError } from 'typeorm';

/** True when a query failed on the named unique constraint or index. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const driverError = error.driverError as { code?: string; constraint?: string };
  return driverError.code === '23505' && (constraint === undefined || driverError.constraint === constraint);
}

/** The SQLSTATE of a failed query (through TypeORM or straight from pg), else undefined. */
export function sqlStateOf(error: unknown): string | undefined {
  const source = error instanceof QueryFailedError ? error.driverError : error;
  if (!(source instanceof DatabaseError)) return undefined;
  return typeof source.code === 'string' ? source.code : undefined;
}

/**
 * SQLSTATE class 22, "data exception": a value PostgreSQL could not read or store (invalid
 * text representation 22P02, NUL in text 22021, a bad date 22007/22008, out of range 22003, ...).
 */
export function isDataException(error: unknown): boolean {
  return sqlStateOf(error)?.startsWith('22') ?? false;
}
