import { defineErrorCodes } from './error-codes';

/**
 * The codes a route that needs a caller may be refused with before it runs: no bearer token or a
 * bad one, signing keys that cannot be fetched, a role the route does not allow, a tenant the
 * caller is not granted (the very answer of a tenant that does not exist, so ids cannot be
 * probed). The guard in auth/ raises them as `AuthErrorCode` and `TenantErrorCode.NotFound`; they
 * are declared here, below the domains, so that the route metadata documenting them imports no
 * domain. caller-refusals.spec.ts fails if they drift from the codes of auth and tenants.
 */
export enum CallerRefusalCode {
  MissingToken = 'unauthenticated',
  InvalidToken = 'invalid_token',
  Forbidden = 'forbidden',
  IdentityProviderUnavailable = 'identity_provider_unavailable',
  TenantNotFound = 'tenant_not_found',
}

defineErrorCodes<CallerRefusalCode>({
  [CallerRefusalCode.MissingToken]: 'unauthenticated',
  [CallerRefusalCode.InvalidToken]: 'unauthenticated',
  [CallerRefusalCode.Forbidden]: 'forbidden',
  [CallerRefusalCode.IdentityProviderUnavailable]: 'unavailable',
  [CallerRefusalCode.TenantNotFound]: 'not_found',
});
