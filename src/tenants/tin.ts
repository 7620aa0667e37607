/**
 * Malaysian tax identification numbers as MyInvois uses them: `IG` and up to 12 digits for
 * individuals, a prefix and digits ending in 0 for everyone else (README.md, under "API").
 * Pure functions, no framework.
 */

/** Prefixes of non-individual TINs; longer ones first so `CS` is not read as `C`. */
const NON_INDIVIDUAL_PREFIXES = ['CS', 'FA', 'PT', 'TA', 'TC', 'TN', 'TR', 'TP', 'LE', 'C', 'D', 'F', 'J'];
const NON_INDIVIDUAL = new RegExp(`^(${NON_INDIVIDUAL_PREFIXES.join('|')})(\\d+)$`);
const INDIVIDUAL = /^IG\d{1,12}$/;
/** General public, foreign buyer, foreign supplier, government: used inside documents only. */
const PLACEHOLDER = /^EI0{8}[1-4]0$/;

export type TinCheck = { ok: true; tin: string } | { ok: false; problem: string };

/** Trim, upper-case, remove whitespace, and drop leading zeros after a non-individual prefix. */
export function normaliseTin(input: string): string {
  const compact = input.replace(/\s+/g, '').toUpperCase();
  const match = NON_INDIVIDUAL.exec(compact);
  if (!match) return compact;
  const digits = match[2].replace(/^0+(?=\d)/, '');
  return `${match[1]}${digits}`;
}

export function checkTin(input: string): TinCheck {
  const tin = normaliseTin(input);
  if (tin === '') return { ok: false, problem: 'tin must not be empty' };
  if (PLACEHOLDER.test(tin) || tin.startsWith('EI')) {
    return { ok: false, problem: `tin ${tin} is a placeholder TIN used inside documents, never a taxpayer's identity` };
  }
  if (tin.startsWith('IG')) {
    return INDIVIDUAL.test(tin) ? { ok: true, tin } : { ok: false, problem: 'tin of an individual is IG followed by up to 12 digits, e.g. IG12345678912' };
  }
  const match = NON_INDIVIDUAL.exec(tin);
  if (!match) {
    return {
      ok: false,
      problem: `tin must be IG followed by digits, or one of the prefixes ${NON_INDIVIDUAL_PREFIXES.join(', ')} followed by digits`,
    };
  }
  const digits = match[2];
  if (digits.length < 2 || digits.length > 13) {
    return { ok: false, problem: 'tin of a non-individual has 2 to 13 digits after its prefix, e.g. C1234567890' };
  }
  if (!digits.endsWith('0')) {
    return { ok: false, problem: 'tin of a non-individual ends in 0, e.g. C1234567890' };
  }
  return { ok: true, tin };
}

/** A business registration number in the new format: 12 digits, spaces and dashes ignored. */
export function normaliseBrn(input: string): string {
  return input.replace(/[\s-]+/g, '');
}

export function isBrn(value: string): boolean {
  return /^\d{12}$/.test(value);
}
