/**
 * The shapes of text the API accepts, checked before a value reaches PostgreSQL: what it cannot
 * store or compare (NUL in text, a lone surrogate in jsonb, a malformed uuid or timestamp) would
 * otherwise fail the query as a 500.
 */

/**
 * Control characters (C0, DEL, C1) and unpaired UTF-16 surrogates. With the `u` flag a proper
 * surrogate pair is one code point, so only a lone half matches `\p{Cs}`.
 */
const NOT_PLAIN = /[\p{Cc}\p{Cs}]/u;

/** Printable, well-formed text: fit for a name or an identifier, storable in text and jsonb. */
export function isPlainText(value: string): boolean {
  return !NOT_PLAIN.test(value);
}

/**
 * The first `max` code points of `value`, as PostgreSQL's `varchar(max)` counts them: never
 * splits a surrogate pair (which `slice` can, leaving a lone half that breaks jsonb).
 */
export function truncate(value: string, max: number): string {
  // Cheap exit: the UTF-16 length bounds the number of code points from above.
  if (value.length <= max) return value;
  let units = 0;
  let points = 0;
  for (const char of value) {
    if (points === max) break;
    units += char.length;
    points += 1;
  }
  return value.slice(0, units);
}

/** A UUID in its canonical text form, any version, either case (PostgreSQL's `uuid` reads them all). */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** Exactly what `Date.prototype.toISOString` writes, years 0001..9999 (the ones PostgreSQL reads). */
const ISO_TIMESTAMP = /^(?!0000)\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** A timestamp as the API writes them; it must round-trip, so `2024-02-30T...` is refused. */
export function isIsoTimestamp(value: unknown): value is string {
  if (typeof value !== 'string' || !ISO_TIMESTAMP.test(value)) return false;
  const time = Date.parse(value);
  return !Number.isNaN(time) && new Date(time).toISOString() === value;
}
