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

/**
 * SQLSTATEs of a database that cannot serve now: connection exceptions (class 08), the server
 * shutting down or starting (57P01-57P03), a read-only server (25006), too many connections (53300).
 */
const UNAVAILABLE_STATES = /^(08...|57P0[123]|25006|53300)$/;
/** Socket errors of a server that cannot be reached. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);
/** What pg says when a connection broke or could not be had in time (its errors carry no code). */
const CONNECTION_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|not queryable|Connection ended|the database system is/i;

/**
 * True when a failure says PostgreSQL is unreachable, restarting or read-only, not that the
 * request was wrong: through TypeORM's `QueryFailedError`, a `cause` or an `AggregateError`.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (depth > 4 || typeof error !== 'object' || error === null) return false;
  if (error instanceof QueryFailedError) return isDatabaseUnavailable(error.driverError, depth + 1);
  const { code, message, cause, errors } = error as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (error instanceof DatabaseError) return typeof code === 'string' && UNAVAILABLE_STATES.test(code);
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  if (error instanceof Error && typeof message === 'string' && CONNECTION_MESSAGES.test(message)) return true;
  if (Array.isArray(errors) && errors.some((inner) => isDatabaseUnavailable(inner, depth + 1))) return true;
  return isDatabaseUnavailable(cause, depth + 1);
}
