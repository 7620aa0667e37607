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

/** At most `max` UTF-16 units, never cutting a surrogate pair in half (a lone half breaks jsonb). */
export function truncate(value: string, max: number): string {
  const cut = value.slice(0, max);
  return /[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut;
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
