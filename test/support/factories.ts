import { randomInt } from 'node:crypto';

let sequence = 0;

/** A valid, unique non-individual TIN: prefix C, digits not starting with 0, ending in 0. */
export function uniqueTin(prefix = 'C'): string {
  sequence += 1;
  const digits = `${randomInt(1, 9)}${String(randomInt(0, 1e8)).padStart(8, '0')}${sequence % 10}`;
  return `${prefix}${digits}0`;
}

export function uniqueBrn(): string {
  return `20${String(randomInt(0, 1e10)).padStart(10, '0')}`;
}

export interface TenantInput {
  name?: string;
  tin?: string;
  brn?: string;
  environment?: 'sandbox' | 'production';
}

export function makeTenant(overrides: TenantInput = {}): Required<Omit<TenantInput, 'brn'>> & { brn?: string } {
  return {
    name: overrides.name ?? `Tenant ${sequence + 1}`,
    tin: overrides.tin ?? uniqueTin(),
    environment: overrides.environment ?? 'sandbox',
    ...(overrides.brn !== undefined ? { brn: overrides.brn } : {}),
  };
}
