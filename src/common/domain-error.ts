import { RequestErrorCode } from './error-codes';

/** How a domain failure maps onto HTTP; `STATUS_OF_KIND` (error-codes.ts) gives each its status code. */
export type ErrorKind =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  /** The request body is over the size limit. */
  | 'too_large'
  /** The request body is of a media type the route does not read. */
  | 'unsupported_media_type'
  | 'too_many_requests'
  | 'unavailable'
  /** Stored data failed a check (an integrity error): the server's fault, named precisely. */
  | 'internal';

export interface FieldProblem {
  field: string;
  message: string;
}

/**
 * The base of every domain's own error type. Services throw these and stay free of HTTP;
 * `code` is stable and machine-readable, `message` is for people and never holds a secret.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    readonly kind: ErrorKind,
    message: string,
    /** Extra, non-secret facts for the caller, such as the id of a conflicting record. */
    readonly details?: Record<string, unknown>,
    /** Seconds after which a retry may succeed (sent as `Retry-After`). */
    readonly retryAfterSeconds?: number,
    /** Response headers the error calls for, such as `WWW-Authenticate`. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Input that failed validation, field by field; `field` names the first at fault. */
export class ValidationFailedError extends DomainError {
  constructor(readonly problems: FieldProblem[]) {
    super(
      RequestErrorCode.ValidationFailed,
      'invalid',
      problems.length === 1 ? problems[0].message : `${problems.length} fields are invalid: ${problems.map((p) => p.field).join(', ')}`,
      { field: problems[0]?.field, errors: problems },
    );
  }

  static field(field: string, message: string): ValidationFailedError {
    return new ValidationFailedError([{ field, message }]);
  }
}
