import { Transform } from 'class-transformer';
import { ValidateBy } from 'class-validator';

/**
 * RFC 3339 date-times (`2026-05-19T10:00:00Z`, `2026-05-19T18:00:00.5+08:00`): the one profile
 * of ISO 8601 that JavaScript and PostgreSQL read alike. ISO 8601 also allows week and ordinal
 * dates and basic formats (`2026-W01-1`, `2026-123`, `20260519`), which JavaScript reads as an
 * Invalid Date, and JavaScript rolls `2026-02-30` over into March; both are refused here.
 */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;

export const DATE_TIME_EXAMPLE = '2026-05-19T10:00:00Z';

/** The instant an RFC 3339 date-time names, or undefined when `text` is not one (or names no real day). */
export function parseDateTime(text: string): Date | undefined {
  const match = RFC3339.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  const [offsetHours, offsetMinutes] = match.slice(7, 9).map((part) => Number(part ?? 0));
  // Year 0 and leap seconds are valid RFC 3339 but refused by PostgreSQL or JavaScript.
  const valid =
    year >= 1 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    offsetHours <= 23 &&
    offsetMinutes <= 59;
  if (!valid) return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
}

/**
 * A date-time field of a DTO: an RFC 3339 string becomes a Date before validation, and anything
 * else is refused with a 400 naming the field. Combine with IsOptional where it may be left out.
 */
export function IsDateTime(): PropertyDecorator {
  const validate = ValidateBy({
    name: 'isDateTime',
    validator: {
      validate: (value: unknown) => value instanceof Date,
      defaultMessage: (args) => `${args?.property} must be an RFC 3339 date-time (ISO 8601 with a time and an offset), such as ${DATE_TIME_EXAMPLE}`,
    },
  });
  const parse = Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? (parseDateTime(value) ?? value) : value));
  return (target, property) => {
    validate(target, property);
    parse(target, property);
  };
}
