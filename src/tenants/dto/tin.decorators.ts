import { Transform } from 'class-transformer';
import { registerDecorator, ValidationArguments, ValidationOptions } from 'class-validator';
import { checkTin, isBrn, normaliseBrn, normaliseTin } from '../tin';

/** Normalises, then validates a TIN by the MyInvois rules; the message says what is wrong. */
export function IsTin(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    Transform(({ value }) => (typeof value === 'string' ? normaliseTin(value) : value))(target, propertyName);
    registerDecorator({
      name: 'isTin',
      target: target.constructor,
      propertyName: propertyName.toString(),
      options: {
        message: (args: ValidationArguments) => {
          if (typeof args.value !== 'string') return `${args.property} must be a string`;
          const result = checkTin(args.value);
          return result.ok ? '' : result.problem.replace(/^tin\b/, args.property);
        },
        ...options,
      },
      validator: { validate: (value: unknown) => typeof value === 'string' && checkTin(value).ok },
    });
  };
}

/** A 12-digit business registration number; spaces and dashes are removed first. */
export function IsBrn(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    Transform(({ value }) => (typeof value === 'string' ? normaliseBrn(value) : value))(target, propertyName);
    registerDecorator({
      name: 'isBrn',
      target: target.constructor,
      propertyName: propertyName.toString(),
      options: { message: `${propertyName.toString()} must be a business registration number of 12 digits, e.g. 201901234567`, ...options },
      validator: { validate: (value: unknown) => typeof value === 'string' && isBrn(value) },
    });
  };
}
