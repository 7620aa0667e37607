import { applyDecorators, Param, PipeTransform } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsDefined, IsNotEmpty, IsString, MaxLength, ValidateBy, ValidateIf } from 'class-validator';
import { ApiParam } from '@nestjs/swagger';
import { ApiErrors } from './api-errors';
import { ValidationFailedError } from './domain-error';
import { RequestErrorCode } from './error-codes';
import { isPlainText, isUuid } from './formats';

/**
 * Optional, but not nullable: `undefined` skips validation, `null` is validated (and refused
 * by the type check). `@IsOptional()` would let `null` through and clear the column.
 */
export function IsOptionalButNotNull(): PropertyDecorator {
  return ValidateIf((_object, value) => value !== undefined);
}

/** Trims strings; leaves other types alone so that the type check reports them. */
export function Trim(): PropertyDecorator {
  return Transform(({ value }) => (typeof value === 'string' ? value.trim() : value));
}

/** A path parameter that must be a UUID; anything else is a 400 naming the parameter. Documented as such. */
export function UuidParam(name = 'id', description = 'A UUID'): ParameterDecorator {
  return (target, key, index) => {
    Param(name, new UuidPipe(name))(target, key, index);
    const descriptor = Object.getOwnPropertyDescriptor(target, key!)!;
    ApiParam({ name, description, schema: { type: 'string', format: 'uuid' } })(target, key!, descriptor);
    ApiErrors(RequestErrorCode.ValidationFailed)(target, key!, descriptor);
  };
}

/** Lower-cases the id, so that `ABC...` and `abc...` are one tenant to grants and caches alike. */
class UuidPipe implements PipeTransform<unknown, string> {
  constructor(private readonly name: string) {}

  transform(value: unknown): string {
    if (!isUuid(value)) throw ValidationFailedError.field(this.name, `${this.name} must be a UUID`);
    return value.toLowerCase();
  }
}

/**
 * For required fields; put it last (lowest) so it is checked first: with `stopAtFirstError`,
 * class-validator checks the decorators bottom-up, and a missing field should say "required".
 */
export function Required(): PropertyDecorator {
  return IsDefined({ message: '$property is required' });
}

/** No control characters (NUL among them) and no unpaired surrogates; see formats.ts. */
export function PlainText(): PropertyDecorator {
  return ValidateBy({
    name: 'isPlainText',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && isPlainText(value),
      defaultMessage: () => '$property must not contain control characters or unpaired surrogates',
    },
  });
}

/** A person-readable name: trimmed, 1..200 characters of plain text; `optional` for PATCH bodies. */
export function DisplayName(options: { optional?: boolean } = {}): PropertyDecorator {
  // applyDecorators registers them in this order, which is the order they are checked in.
  return applyDecorators(Trim(), options.optional ? IsOptionalButNotNull() : Required(), IsString(), IsNotEmpty(), MaxLength(200), PlainText());
}
