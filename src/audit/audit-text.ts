import { truncate } from '../common/formats';

/**
 * Text as the audit log can store it. PostgreSQL refuses NUL in text and jsonb, and refuses a
 * lone UTF-16 surrogate in jsonb (JSON.stringify writes it as `\udXXX`), so one such string
 * from a caller would fail the whole INSERT of a group commit. The writer therefore makes every
 * string well-formed (a lone surrogate becomes U+FFFD) and NUL-free itself, whoever called it.
 */
export function auditText(value: string, maxCodePoints?: number): string {
  const clean = toWellFormed(value).replaceAll('\u0000', '');
  return maxCodePoints === undefined ? clean : truncate(clean, maxCodePoints);
}

/** Node 20 has String.prototype.toWellFormed (ES2024); the project's TypeScript lib is ES2023. */
function toWellFormed(value: string): string {
  return (value as unknown as { toWellFormed(): string }).toWellFormed();
}
