import { Transform } from 'class-transformer';
import { IsDefined, registerDecorator, ValidateIf, ValidationArguments, ValidationOptions } from 'class-validator';
import { normaliseOnBehalfOf, parseOnBehalfOf } from '../../token/on-behalf-of';
import { isPlaceholderCredential } from '../../token/placeholder-credentials';

// `Required` and `IsOptionalButNotNull` behave as those in common/validators.ts. They are repeated
// here because that file imports @nestjs/common, and these DTOs must stay framework-free: the
// clients file is validated with them before Nest starts, and in unit tests.

/** Put it lowest, so that a missing field says "required" and nothing else. */
export function Required(): PropertyDecorator {
  return IsDefined({ message: '$property is required' });
}

/** Optional, but `null` is validated (and refused by the type check). */
export function IsOptionalButNotNull(): PropertyDecorator {
  return ValidateIf((_object, value) => value !== undefined);
}

/** A value MyInvois would block as a placeholder can never log in, so registering it is a mistake. */
export function IsNotPlaceholder(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isNotPlaceholder',
      target: target.constructor,
      propertyName: propertyName.toString(),
      options: { message: '$property must not be a placeholder such as 0, null or YOUR_CLIENT_ID', ...options },
      validator: { validate: (value: unknown) => typeof value === 'string' && !isPlaceholderCredential(value) },
    });
}

/** Each entry a `TIN` or `TIN:BRN`, normalised first like every TIN the project accepts. */
export function IsOnBehalfOfList(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    Transform(({ value }) => (Array.isArray(value) ? value.map((entry) => (typeof entry === 'string' ? normaliseOnBehalfOf(entry) : entry)) : value))(
      target,
      propertyName,
    );
    registerDecorator({
      name: 'isOnBehalfOfList',
      target: target.constructor,
      propertyName: propertyName.toString(),
      options: {
        message: (args: ValidationArguments) => {
          if (!Array.isArray(args.value)) return `${args.property} must be an array of TIN or TIN:BRN strings`;
          const index = args.value.findIndex((entry) => typeof entry !== 'string' || !parseOnBehalfOf(entry).ok);
          const entry: unknown = args.value[index];
          const parsed = typeof entry === 'string' ? parseOnBehalfOf(entry) : undefined;
          const problem = parsed && !parsed.ok ? parsed.problem.replace(/^onbehalfof:?\s*/, '') : 'must be a string';
          return `${args.property}[${index}] ${problem}`;
        },
        ...options,
      },
      validator: {
        validate: (value: unknown) => Array.isArray(value) && value.every((entry) => typeof entry === 'string' && parseOnBehalfOf(entry).ok),
      },
    });
  };
}

/** Only intermediaries act on behalf of others; on a taxpayer the field is a mistake. */
export function OnlyForIntermediaries(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'onlyForIntermediaries',
      target: target.constructor,
      propertyName: propertyName.toString(),
      options: { message: '$property applies to intermediary clients only', ...options },
      validator: { validate: (_value: unknown, args: ValidationArguments) => (args.object as { kind?: unknown }).kind === 'intermediary' },
    });
}
