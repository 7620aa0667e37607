import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { Brackets, ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { ValidationFailedError } from './domain-error';
import { isIsoTimestamp, isUuid } from './formats';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

/** `limit` and `cursor`, shared by every list endpoint. */
export class PageQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer' })
  @Min(1, { message: 'limit must be at least 1' })
  @Max(MAX_PAGE_SIZE, { message: `limit must be at most ${MAX_PAGE_SIZE}` })
  limit?: number;

  @ApiPropertyOptional({ description: 'The `nextCursor` of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/**
 * Keyset cursors are opaque to callers: base64url JSON of the last row's sort key.
 * A cursor that does not decode to the expected shape is a 400 naming `cursor`.
 */
export const Cursor = {
  encode(key: Record<string, string | number>): string {
    return Buffer.from(JSON.stringify(key)).toString('base64url');
  },

  decode<K extends Record<string, string | number>>(cursor: string, isKey: (value: unknown) => value is K): K {
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    } catch {
      parsed = undefined;
    }
    if (!isKey(parsed)) throw ValidationFailedError.field('cursor', 'cursor is not a cursor returned by this endpoint');
    return parsed;
  },
};

/** Fetch `limit + 1` rows; the extra row only says whether there is a next page. */
export function toPage<Row, Item>(rows: Row[], limit: number, map: (row: Row) => Item, keyOf: (row: Row) => Record<string, string | number>): Page<Item> {
  const hasMore = rows.length > limit;
  const items = hasMore ? rows.slice(0, limit) : rows;
  return { items: items.map(map), nextCursor: hasMore ? Cursor.encode(keyOf(items[items.length - 1])) : null };
}

/** Cursor of lists ordered by creation: the last row's `created_at` and `id`. */
type CreationCursor = { createdAt: string; id: string };

/** Strict, because both values go into the query: a date PostgreSQL cannot read would be a 500. */
const isCreationCursor = (value: unknown): value is CreationCursor =>
  typeof value === 'object' && value !== null && isIsoTimestamp((value as CreationCursor).createdAt) && isUuid((value as CreationCursor).id);

/**
 * Oldest first, by (`created_at`, `id`), starting after the cursor's row; fetches one row more
 * than the page so that `toCreationPage` can tell whether another page follows.
 */
export function pageByCreation<T extends ObjectLiteral>(qb: SelectQueryBuilder<T>, alias: string, query: PageQueryDto): SelectQueryBuilder<T> {
  if (query.cursor) {
    const after = Cursor.decode(query.cursor, isCreationCursor);
    qb.andWhere(
      new Brackets((where) =>
        where.where(`${alias}.created_at > :afterCreatedAt`).orWhere(`(${alias}.created_at = :afterCreatedAt AND ${alias}.id > :afterId)`),
      ),
      { afterCreatedAt: after.createdAt, afterId: after.id },
    );
  }
  return qb
    .orderBy(`${alias}.created_at`, 'ASC')
    .addOrderBy(`${alias}.id`, 'ASC')
    .limit((query.limit ?? DEFAULT_PAGE_SIZE) + 1);
}

export function toCreationPage<Row extends { createdAt: Date; id: string }, Item>(rows: Row[], query: PageQueryDto, map: (row: Row) => Item): Page<Item> {
  return toPage(rows, query.limit ?? DEFAULT_PAGE_SIZE, map, (row) => ({ createdAt: row.createdAt.toISOString(), id: row.id }));
}
