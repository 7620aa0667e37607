import { DatabaseError } from 'pg';
import { QueryFailedError } from 'typeorm';
import { isDataException, isDatabaseUnavailable, sqlStateOf } from './postgres-errors';

/** A failed query as TypeORM raises it, carrying PostgreSQL's own error. */
function failedQuery(sqlState: string): QueryFailedError {
  const driverError = new DatabaseError('refused', 7, 'error');
  driverError.code = sqlState;
  return new QueryFailedError('SELECT 1', [], driverError);
}

describe('PostgreSQL errors', () => {
  it.each(['22021', '22P02', '22007', '22008', '22003', '22001', '22P05'])('counts %s as a data exception', (sqlState) => {
    expect(isDataException(failedQuery(sqlState))).toBe(true);
  });

  it('reads the SQLSTATE through TypeORM and straight from pg', () => {
    const direct = new DatabaseError('refused', 7, 'error');
    direct.code = '22021';
    expect(sqlStateOf(direct)).toBe('22021');
    expect(sqlStateOf(failedQuery('23505'))).toBe('23505');
  });

  it('leaves other failures, and errors that merely carry a code, alone', () => {
    expect(isDataException(failedQuery('23505'))).toBe(false);
    expect(isDataException(failedQuery('53300'))).toBe(false);
    expect(isDataException(Object.assign(new Error('not from PostgreSQL'), { code: '22021' }))).toBe(false);
    expect(isDataException(undefined)).toBe(false);
  });

  it.each(['08006', '08001', '57P01', '57P02', '57P03', '25006', '53300'])('counts %s as the database being unavailable', (sqlState) => {
    expect(isDatabaseUnavailable(failedQuery(sqlState))).toBe(true);
  });

  it('counts connection failures as pg and Node raise them, through causes and aggregates', () => {
    expect(isDatabaseUnavailable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isDatabaseUnavailable(new QueryFailedError('SELECT 1', [], new Error('Connection terminated unexpectedly')))).toBe(true);
    expect(isDatabaseUnavailable(new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]))).toBe(true);
    expect(isDatabaseUnavailable(new Error('wrapped', { cause: Object.assign(new Error('x'), { code: 'ETIMEDOUT' }) }))).toBe(true);
  });

  it('leaves refusals of the request itself alone', () => {
    expect(isDatabaseUnavailable(failedQuery('23505'))).toBe(false);
    expect(isDatabaseUnavailable(failedQuery('22P02'))).toBe(false);
    expect(isDatabaseUnavailable(failedQuery('57014'))).toBe(false);
    expect(isDatabaseUnavailable(new Error('something else'))).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
  });
});
