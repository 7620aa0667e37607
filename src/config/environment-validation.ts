import { plainToInstance, Transform } from 'class-transformer';
import { ValidationError, validateSync } from 'class-validator';

/** Thrown when the environment cannot be turned into a configuration; lists every problem at once. */
export class ConfigurationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigurationError';
  }
}

type Environment = Record<string, string | undefined>;

/**
 * Rules that span several variables ("set both or neither", "production needs ..."). They run
 * even when some variables are invalid, so that one message lists every problem; a rule skips
 * the variables named in `invalid`, which already have their own line.
 */
export interface CrossChecked {
  crossCheck(invalid: ReadonlySet<string>): string[];
}

/** "A and B must be set together" as a problem line, or nothing. */
export function setTogether(values: Record<string, unknown>): string[] {
  const names = Object.keys(values);
  const set = names.filter((name) => values[name] !== undefined);
  if (set.length === 0 || set.length === names.length) return [];
  const missing = names.filter((name) => values[name] === undefined);
  return [`${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set: ${names.join(', ')} must be set together`];
}

/**
 * Validates environment variables against a class whose properties are named after them.
 * Empty strings count as unset, so `PORT=` falls back to the default like a missing `PORT`.
 */
export function validateEnvironment<T extends object>(cls: new () => T, env: Environment): T {
  const present: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== '') present[name] = value.trim();
  }
  const instance = plainToInstance(cls, present, { excludeExtraneousValues: false });
  const errors = validateSync(instance, { whitelist: false, skipMissingProperties: false, stopAtFirstError: true });
  const problems = errors.flatMap(describe);
  const crossChecked = instance as Partial<CrossChecked>;
  if (typeof crossChecked.crossCheck === 'function') problems.push(...crossChecked.crossCheck(new Set(errors.map((error) => error.property))));
  if (problems.length > 0) throw new ConfigurationError(problems);
  return instance;
}

function describe(error: ValidationError): string[] {
  const constraints = Object.values(error.constraints ?? {});
  const shown = error.value === undefined ? 'is not set' : `is ${JSON.stringify(redactIfSecret(error.property, error.value))}`;
  return constraints.map((constraint) => `${error.property} ${shown}: ${constraint}`);
}

/** Variables whose value must not be echoed, even when it is malformed. */
const SECRET_VARIABLE = /(SECRET|KEY|PASSWORD|KEYS|PIN)$|^DATABASE_URL$/;

function redactIfSecret(name: string, value: unknown): unknown {
  return SECRET_VARIABLE.test(name) ? '[redacted]' : value;
}

/** `true`/`false`/`1`/`0`/`yes`/`no` as a boolean; anything else undefined. */
export function booleanOf(value: string): boolean | undefined {
  const normalised = value.toLowerCase();
  if (['true', '1', 'yes'].includes(normalised)) return true;
  if (['false', '0', 'no'].includes(normalised)) return false;
  return undefined;
}

/** A boolean (see booleanOf); anything else is kept so that `@IsBoolean` reports it. */
export function ToBoolean(): PropertyDecorator {
  return Transform(({ value }) => (typeof value === 'string' ? (booleanOf(value) ?? value) : value));
}

/** Integers only: `3.5` or `12abc` stay strings so that `@IsInt` reports them. */
export function ToInteger(): PropertyDecorator {
  return Transform(({ value }) => (typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value));
}

/** Decimal numbers such as `0.25`. */
export function ToNumber(): PropertyDecorator {
  return Transform(({ value }) => (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value));
}
