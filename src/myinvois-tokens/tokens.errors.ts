import { DomainError } from '../common/domain-error';
import { defineErrorCodes } from '../common/error-codes';
import { failureCode, failureDescription, LoginFailure } from '../myinvois/login-outcome';

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

/**
 * What MyInvois answered, as a caller's error body carries it (never anything the broker sent):
 * `upstreamCorrelationId` is what LHDN support asks for in a ticket.
 */
export interface UpstreamFacts {
  classification: string;
  upstreamError: string | null;
  upstreamDescription: string | null;
  upstreamStatus: number | null;
  upstreamCorrelationId: string | null;
}

export function upstreamFacts(outcome: LoginFailure): UpstreamFacts {
  return {
    classification: outcome.kind,
    upstreamError: failureCode(outcome),
    upstreamDescription: failureDescription(outcome),
    upstreamStatus: outcome.status ?? null,
    upstreamCorrelationId: outcome.correlationId,
  };
}

/** A failed login that never reached MyInvois (its client ID backing off, say): nothing to record on the key. */
export const NOTHING_SENT = 'backing_off';

export class TokenError extends DomainError {
  constructor(code: TokenErrorCode, message: string, details?: Record<string, unknown>, retryAfterSeconds?: number) {
    super(code, KIND[code], message, details, retryAfterSeconds);
  }

  /** Carries MyInvois's error code, description and correlationId, never anything the broker sent. */
  static credentialInvalid(
    credentialId: string,
    upstreamError: string | null,
    upstreamDescription: string | null,
    upstreamCorrelationId: string | null = null,
  ): TokenError {
    return new TokenError(
      TokenErrorCode.CredentialInvalid,
      `MyInvois refuses credential ${credentialId} (${upstreamError ?? 'unknown error'}); fix its secrets (PUT /v1/credentials/${credentialId}/secrets) or verify it`,
      { credentialId, upstreamError, upstreamDescription, upstreamCorrelationId },
    );
  }

  /** The taxpayer has not authorised the intermediary in the portal; the next attempt for this tenant is after Retry-After. */
  static notAuthorised(onBehalfOf: string, facts: UpstreamFacts, retryAfterSeconds: number): TokenError {
    return new TokenError(
      TokenErrorCode.NotAuthorised,
      `MyInvois says the intermediary may not act on behalf of ${onBehalfOf}: the taxpayer must authorise it in the MyInvois portal`,
      { ...facts, onBehalfOf },
      retryAfterSeconds,
    );
  }

  static requestRefused(facts: UpstreamFacts, retryAfterSeconds: number): TokenError {
    return new TokenError(
      TokenErrorCode.UpstreamRefusedRequest,
      `MyInvois refused the login request (${facts.upstreamError})`,
      { ...facts },
      retryAfterSeconds,
    );
  }

  /** `reason`: what kind of failure (`timeout`, `gateway`, `rate_limited`, `backing_off`, ...). */
  static unavailable(description: string, retryAfterSeconds: number, reason: string, facts?: UpstreamFacts): TokenError {
    return new TokenError(
      TokenErrorCode.Unavailable,
      `MyInvois is not answering logins right now (${description})`,
      { reason, ...facts },
      Math.max(1, retryAfterSeconds),
    );
  }
}
