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

/** Refuses a body that is not a JSON object (an array, a string, `null`, nothing) in one clear message. */
class BodyAwareValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const expectsObject = metadata.type === 'body' && typeof metadata.metatype === 'function' && metadata.metatype !== Object;
    if (expectsObject && (typeof value !== 'object' || value === null || Array.isArray(value))) {
      throw ValidationFailedError.field('body', 'the request body must be a JSON object');
    }
    return super.transform(value, metadata);
  }
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
