import { checkTin, isBrn, normaliseBrn, normaliseTin } from '../../tenants/tin';

/** The taxpayer an intermediary acts for, from the `onbehalfof` header: `TIN` or `TIN:BRN`. */
export interface OnBehalfOf {
  tin: string;
  brn?: string;
  /** As sent. */
  value: string;
}

export type OnBehalfOfParse = { ok: true; onBehalfOf: OnBehalfOf } | { ok: false; problem: string };

/**
 * Strict on purpose: the value must already be a normalised TIN (upper case, no spaces, no
 * leading zeros after the prefix), so a broker that forgets to normalise finds out here rather
 * than against the real service.
 */
export function parseOnBehalfOf(value: string): OnBehalfOfParse {
  const [tin, brn, ...rest] = value.split(':');
  if (rest.length > 0) return { ok: false, problem: 'onbehalfof must be a TIN or TIN:BRN' };
  const check = checkTin(tin);
  if (!check.ok) return { ok: false, problem: `onbehalfof: ${check.problem}` };
  if (normaliseTin(tin) !== tin) return { ok: false, problem: `onbehalfof: tin ${tin} is not normalised (expected ${check.tin})` };
  if (brn !== undefined && !isBrn(brn)) return { ok: false, problem: 'onbehalfof: the BRN after the colon must be 12 digits' };
  return { ok: true, onBehalfOf: brn === undefined ? { tin, value } : { tin, brn, value } };
}

/**
 * A plain TIN in the allow list covers that taxpayer however the header names it; a `TIN:BRN`
 * entry covers exactly that pair.
 */
export function isAuthorisedFor(allowed: readonly string[], onBehalfOf: OnBehalfOf): boolean {
  return allowed.some((entry) => entry === onBehalfOf.value || entry === onBehalfOf.tin);
}

/** For values the simulator is given (registrations), not for the header, which must arrive normalised. */
export function normaliseOnBehalfOf(value: string): string {
  const [tin, ...rest] = value.split(':');
  return [normaliseTin(tin), ...rest.map(normaliseBrn)].join(':');
}
