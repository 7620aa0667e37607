import { isIP } from 'node:net';
import { Transform } from 'class-transformer';
import { ValidateBy } from 'class-validator';
import { booleanOf } from './environment-validation';

/** Which proxies may name the caller's address in X-Forwarded-For (Fastify's `trustProxy`). */
export type TrustProxy = boolean | string[];

/** A boolean (see booleanOf), otherwise a comma-separated list of addresses and CIDR ranges. */
export function ToTrustProxy(): PropertyDecorator {
  return Transform(({ value }) => (typeof value === 'string' ? (booleanOf(value) ?? value.split(',').map((entry) => entry.trim())) : value));
}

export function IsTrustProxy(): PropertyDecorator {
  return ValidateBy({
    name: 'isTrustProxy',
    validator: {
      validate: (value: unknown) => typeof value === 'boolean' || (Array.isArray(value) && value.length > 0 && value.every(isAddressOrRange)),
      defaultMessage: () => 'TRUST_PROXY must be true, false, or a comma-separated list of proxy addresses or CIDR ranges',
    },
  });
}

function isAddressOrRange(entry: unknown): boolean {
  if (typeof entry !== 'string') return false;
  const [address, prefix, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}
