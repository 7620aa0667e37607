import { registerDecorator, ValidationArguments } from 'class-validator';
import { isPlainText } from '../../common/formats';
import { placeholderProblem } from '../placeholders';

/**
 * A MyInvois client ID or secret as the vault accepts it: text of 1..`max` characters, not a
 * placeholder, and without surrounding spaces (a pasted secret with a trailing space would fail
 * upstream in a way that is hard to see).
 */
export function IsCredentialValue(max: number): PropertyDecorator {
  return textField('isCredentialValue', (value) => textProblem(value, max) ?? placeholderProblem(value as string) ?? paddingProblem(value as string));
}

/** A person's name for a credential: text of at most `max` characters. */
export function IsCredentialLabel(max: number): PropertyDecorator {
  return textField('isCredentialLabel', (value) => textProblem(value, max));
}

function textField(name: string, problem: (value: unknown) => string | undefined): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: propertyName.toString(),
      options: { message: (args: ValidationArguments) => `${args.property} ${problem(args.value) ?? ''}` },
      validator: { validate: (value: unknown) => problem(value) === undefined },
    });
}

/**
 * Text that can be stored, shown and audited as it was given: control characters and lone
 * UTF-16 surrogates (which no UTF-8 column or JSON document can hold faithfully) are refused.
 */
function textProblem(value: unknown, max: number): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  if (!isPlainText(value)) return 'must not contain control characters or unpaired surrogates';
  // Code points, as PostgreSQL's varchar counts them.
  if ([...value].length > max) return `must be at most ${max} characters`;
  return undefined;
}

function paddingProblem(value: string): string | undefined {
  return value !== value.trim() ? 'must not start or end with spaces' : undefined;
}
