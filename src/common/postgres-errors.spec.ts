import { DatabaseError } from 'pg';
import { QueryFailedError } from 'typeorm';
import { isDataException, sqlStateOf } from './postgres-errors';

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
});
