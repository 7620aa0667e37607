import { DomainError } from '../common/domain-error';
import { defineErrorCodes } from '../common/error-codes';

export enum TokenErrorCode {
  TenantSuspended = 'tenant_suspended',
  NoCredential = 'tenant_without_credential',
  CredentialInvalid = 'credential_invalid',
  NotAuthorised = 'tenant_not_authorised_upstream',
  LifetimeTooShort = 'token_lifetime_too_short',
  Unavailable = 'upstream_unavailable',
  UpstreamRefusedRequest = 'upstream_request_refused',
  Busy = 'token_acquisition_busy',
}

const KIND = defineErrorCodes<TokenErrorCode>({
  [TokenErrorCode.TenantSuspended]: 'conflict',
  [TokenErrorCode.NoCredential]: 'conflict',
  [TokenErrorCode.CredentialInvalid]: 'conflict',
  [TokenErrorCode.NotAuthorised]: 'conflict',
  [TokenErrorCode.LifetimeTooShort]: 'conflict',
  [TokenErrorCode.Unavailable]: 'unavailable',
  [TokenErrorCode.UpstreamRefusedRequest]: 'unavailable',
  [TokenErrorCode.Busy]: 'unavailable',
});

export class TokenError extends DomainError {
  constructor(code: TokenErrorCode, message: string, details?: Record<string, unknown>, retryAfterSeconds?: number) {
    super(code, KIND[code], message, details, retryAfterSeconds);
  }

  /** Carries MyInvois's error code and description, never anything the broker sent. */
  static credentialInvalid(credentialId: string, upstreamError: string | null, upstreamDescription: string | null): TokenError {
    return new TokenError(
      TokenErrorCode.CredentialInvalid,
      `MyInvois refuses credential ${credentialId} (${upstreamError ?? 'unknown error'}); fix its secrets (PUT /v1/credentials/${credentialId}/secrets) or verify it`,
      { credentialId, upstreamError, upstreamDescription },
    );
  }

  static unavailable(description: string, retryAfterSeconds: number): TokenError {
    return new TokenError(
      TokenErrorCode.Unavailable,
      `MyInvois is not answering logins right now (${description})`,
      { reason: description },
      retryAfterSeconds,
    );
  }
}
