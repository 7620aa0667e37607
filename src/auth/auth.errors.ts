import { DomainError } from '../common/domain-error';
import { defineErrorCodes } from '../common/error-codes';

export enum AuthErrorCode {
  MissingToken = 'unauthenticated',
  InvalidToken = 'invalid_token',
  Forbidden = 'forbidden',
  PrincipalNotFound = 'principal_not_found',
  ExternalSubjectTaken = 'principal_external_subject_taken',
  LastAdmin = 'principal_last_admin',
  UnknownTenantGrant = 'principal_unknown_tenant',
  SigningKeyConfigured = 'signing_key_configured',
  IdentityProviderUnavailable = 'identity_provider_unavailable',
}

const KIND = defineErrorCodes<AuthErrorCode>({
  [AuthErrorCode.MissingToken]: 'unauthenticated',
  [AuthErrorCode.InvalidToken]: 'unauthenticated',
  [AuthErrorCode.Forbidden]: 'forbidden',
  [AuthErrorCode.PrincipalNotFound]: 'not_found',
  [AuthErrorCode.ExternalSubjectTaken]: 'conflict',
  [AuthErrorCode.LastAdmin]: 'conflict',
  [AuthErrorCode.UnknownTenantGrant]: 'invalid',
  [AuthErrorCode.SigningKeyConfigured]: 'conflict',
  [AuthErrorCode.IdentityProviderUnavailable]: 'unavailable',
});

const REALM = 'myinvois-broker';

export class AuthError extends DomainError {
  constructor(code: AuthErrorCode, message: string, details?: Record<string, unknown>, headers?: Record<string, string>, retryAfterSeconds?: number) {
    super(code, KIND[code], message, details, retryAfterSeconds, headers);
  }

  static missingToken(): AuthError {
    return new AuthError(AuthErrorCode.MissingToken, 'An Authorization: Bearer token is required', undefined, {
      'www-authenticate': `Bearer realm="${REALM}"`,
    });
  }

  /** The reason is generic on purpose ("expired", "invalid"): details stay in the log. */
  static invalidToken(reason: string): AuthError {
    return new AuthError(AuthErrorCode.InvalidToken, `The bearer token is not accepted: ${reason}`, undefined, {
      'www-authenticate': `Bearer realm="${REALM}", error="invalid_token", error_description="${reason}"`,
    });
  }

  /**
   * The token may well be valid, but the keys to check it cannot be fetched: a 503 to retry,
   * not a 401 that would send the caller to its identity provider for a token just as good.
   */
  static identityProviderUnavailable(retryAfterSeconds: number): AuthError {
    return new AuthError(
      AuthErrorCode.IdentityProviderUnavailable,
      "The identity provider's signing keys cannot be fetched to verify the bearer token; retry later",
      undefined,
      undefined,
      retryAfterSeconds,
    );
  }

  static forbidden(message: string): AuthError {
    return new AuthError(AuthErrorCode.Forbidden, message);
  }

  static principalNotFound(id: string): AuthError {
    return new AuthError(AuthErrorCode.PrincipalNotFound, `Principal ${id} does not exist`);
  }
}
