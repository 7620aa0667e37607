import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldProblem, ValidationFailedError } from './domain-error';

/**
 * The global pipe: DTOs are the schema. Unknown fields are refused rather than dropped, and
 * every problem is reported with the field's path (`items[0].name`).
 */
export function createValidationPipe(): ValidationPipe {
  return new BodyAwareValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    // One message per field: a missing field is "missing", not also "too long" and "not a string".
    stopAtFirstError: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new ValidationFailedError(flatten(errors)),
  });
}

/** Per DTO class, how many accepted inputs are remembered before the memory starts over. */
const ACCEPTED_PER_CLASS = 256;
/** Inputs longer than this (as JSON) are validated every time: memoising them would cost more than it saves. */
const MEMO_MAX_LENGTH = 256;

/**
 * Refuses a body that is not a JSON object (an array, a string, `null`, nothing) in one clear
 * message. An input that was accepted once (a flat object of a few primitives, such as the
 * token request's `{}`) is accepted again from memory: the same class-validator verdict, without
 * running class-transformer and class-validator for every request. Refusals are not remembered,
 * so their messages always come from the validators.
 */
class BodyAwareValidationPipe extends ValidationPipe {
  private readonly accepted = new WeakMap<object, Map<string, Record<string, unknown>>>();

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const expectsObject = metadata.type === 'body' && typeof metadata.metatype === 'function' && metadata.metatype !== Object;
    if (expectsObject && (typeof value !== 'object' || value === null || Array.isArray(value))) {
      throw ValidationFailedError.field('body', 'the request body must be a JSON object');
    }
    const memoKey = this.memoKey(value, metadata);
    if (memoKey === undefined) return super.transform(value, metadata);
    const type = metadata.metatype as new () => object;
    let known = this.accepted.get(type);
    const fields = known?.get(memoKey);
    if (fields) return Object.assign(new type(), fields);
    const result = (await super.transform(value, metadata)) as unknown;
    if (typeof result !== 'object' || result === null || !isFlat(result)) return result;
    if (!known || known.size >= ACCEPTED_PER_CLASS) this.accepted.set(type, (known = new Map()));
    known.set(memoKey, { ...(result as Record<string, unknown>) });
    return result;
  }

  /** Bodies and queries of a DTO class whose fields are primitives only can be remembered; undefined otherwise. */
  private memoKey(value: unknown, metadata: ArgumentMetadata): string | undefined {
    if ((metadata.type !== 'body' && metadata.type !== 'query') || typeof metadata.metatype !== 'function' || metadata.metatype === Object) return undefined;
    if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.getPrototypeOf(value) !== Object.prototype || !isFlat(value)) {
      return undefined;
    }
    const key = JSON.stringify(value);
    return key.length <= MEMO_MAX_LENGTH ? key : undefined;
  }
}

/** Own values are all strings, numbers, booleans or null: a copy shares nothing with the request it came from. */
function isFlat(value: object): boolean {
  for (const inner of Object.values(value)) if (inner !== null && typeof inner === 'object') return false;
  return true;
}

function flatten(errors: ValidationError[], parent = ''): FieldProblem[] {
  return errors.flatMap((error) => {
    const field = parent ? (/^\d+$/.test(error.property) ? `${parent}[${error.property}]` : `${parent}.${error.property}`) : error.property;
    const own = Object.entries(error.constraints ?? {}).map(([constraint, message]) => ({
      field,
      message: constraint === 'whitelistValidation' ? `${field} is not a known field` : withFieldPath(message, error.property, field),
    }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/** class-validator names the property only; name the full path for nested fields. */
function withFieldPath(message: string, property: string, field: string): string {
  return field !== property && message.startsWith(property) ? field + message.slice(property.length) : message;
}
