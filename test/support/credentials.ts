import { randomBytes, randomUUID } from 'node:crypto';

/** A MyInvois-looking client ID (a GUID) and two random secrets. */
export function makeCredential(overrides: Record<string, unknown> = {}) {
  return {
    kind: 'taxpayer',
    environment: 'sandbox',
    clientId: randomUUID(),
    clientSecret: `s1-${randomBytes(18).toString('base64url')}`,
    secondaryClientSecret: `s2-${randomBytes(18).toString('base64url')}`,
    ...overrides,
  };
}
