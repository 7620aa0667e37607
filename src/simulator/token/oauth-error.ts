/** The `error` values of RFC 6749 §5.2 that MyInvois answers with. */
export type OAuthErrorCode = 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unauthorized_client' | 'unsupported_grant_type' | 'invalid_scope';

/** Why a token request was refused, more precisely than the OAuth code; for counters and logs, never sent. */
export enum Refusal {
  BasicAuth = 'basic_auth',
  NotForm = 'not_form_encoded',
  UnreadableBody = 'unreadable_body',
  RepeatedField = 'repeated_field',
  MissingGrantType = 'missing_grant_type',
  UnsupportedGrantType = 'unsupported_grant_type',
  MissingCredentials = 'missing_credentials',
  PlaceholderCredentials = 'placeholder_credentials',
  UnknownClient = 'unknown_client',
  WrongSecret = 'wrong_secret',
  Blocked = 'blocked',
  InvalidScope = 'invalid_scope',
  OnBehalfOfMissing = 'onbehalfof_missing',
  OnBehalfOfMalformed = 'onbehalfof_malformed',
  OnBehalfOfNotAllowed = 'onbehalfof_not_allowed',
  OnBehalfOfFromTaxpayer = 'onbehalfof_from_taxpayer',
}

/** A refused token request: HTTP 400 with `{ error, error_description }`, as MyInvois answers. */
export class OAuthError extends Error {
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    readonly refusal: Refusal,
  ) {
    super(description);
    this.name = 'OAuthError';
  }

  get body(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.error, error_description: this.description };
  }
}
