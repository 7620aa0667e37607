import { registerDecorator, ValidationArguments } from 'class-validator';
import { placeholderProblem } from '../placeholders';

/**
 * A MyInvois client ID or secret as the vault accepts it: a string of 1..`max` characters,
 * not a placeholder, and without surrounding spaces (a pasted secret with a trailing space
 * would fail upstream in a way that is hard to see).
 */
export function IsCredentialValue(max: number): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isCredentialValue',
      target: target.constructor,
      propertyName: propertyName.toString(),
      options: { message: (args: ValidationArguments) => `${args.property} ${problem(args.value, max) ?? ''}` },
      validator: { validate: (value: unknown) => problem(value, max) === undefined },
    });
}

function problem(value: unknown, max: number): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  const placeholder = placeholderProblem(value);
  if (placeholder) return placeholder;
  if (value !== value.trim()) return 'must not start or end with spaces';
  if (value.length > max) return `must be at most ${max} characters`;
  if (/[\u0000-\u001f]/.test(value)) return 'must not contain control characters';
  return undefined;
}
