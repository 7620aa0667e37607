import { applyDecorators, ParseUUIDPipe, Param } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsDefined, IsNotEmpty, IsString, MaxLength, ValidateIf } from 'class-validator';
import { ValidationFailedError } from './domain-error';

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

/** A path parameter that must be a UUID; anything else is a 400 naming the parameter. */
export function UuidParam(name = 'id'): ParameterDecorator {
  return Param(
    name,
    new ParseUUIDPipe({ exceptionFactory: () => ValidationFailedError.field(name, `${name} must be a UUID`) }),
  );
}

/**
 * For required fields; put it last (lowest) so it is checked first: with `stopAtFirstError`,
 * class-validator checks the decorators bottom-up, and a missing field should say "required".
 */
export function Required(): PropertyDecorator {
  return IsDefined({ message: '$property is required' });
}

/** A person-readable name: trimmed, 1..200 characters; `optional` for PATCH bodies. */
export function DisplayName(options: { optional?: boolean } = {}): PropertyDecorator {
  // Listed top-down in the reverse of the order they run (see Required).
  return applyDecorators(MaxLength(200), IsNotEmpty(), IsString(), options.optional ? IsOptionalButNotNull() : Required(), Trim());
}
