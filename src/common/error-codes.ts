import type { ErrorKind } from './domain-error';

/** The HTTP status of each kind of error: the exception filter answers with it, the OpenAPI document lists codes under it. */
export const STATUS_OF_KIND: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unsupported_media_type: 415,
  too_many_requests: 429,
  unavailable: 503,
  internal: 500,
};

const kindOfCode = new Map<string, ErrorKind>();

/**
 * Declares error codes with their kinds, once, beside the error type that raises them. The
 * exception filter answers a code with the status of its kind and `ApiErrors` documents the code
 * under that same status: both read this one table, so the document cannot drift from the answers.
 */
export function defineErrorCodes<Code extends string>(table: Record<Code, ErrorKind>): Record<Code, ErrorKind> {
  for (const [code, kind] of Object.entries<ErrorKind>(table)) {
    const known = kindOfCode.get(code);
    if (known !== undefined && known !== kind) throw new Error(`error code ${code} is declared both ${known} and ${kind}`);
    kindOfCode.set(code, kind);
  }
  return table;
}

/** The status a declared code is answered with; an undeclared one is a programming error. */
export function statusOfCode(code: string): number {
  const kind = kindOfCode.get(code);
  if (kind === undefined) throw new Error(`error code ${code} is not declared with defineErrorCodes`);
  return STATUS_OF_KIND[kind];
}

/** Codes of refusals that concern the request itself (its body, its parameters), not a domain. */
export enum RequestErrorCode {
  ValidationFailed = 'validation_failed',
  MalformedJson = 'malformed_json',
  EmptyBody = 'empty_body',
  InvalidContentLength = 'invalid_content_length',
  /** A JSON body nested deeper than the parser allows. */
  BodyNestedTooDeep = 'body_nested_too_deep',
  /** A body whose bytes are not UTF-8. */
  InvalidUtf8 = 'invalid_utf8',
  /** A value that validation let through but PostgreSQL cannot read (defence in depth). */
  InvalidInput = 'invalid_input',
  /** Another refusal of the HTTP layer, such as a form field named `__proto__`. */
  BadRequest = 'bad_request',
  BodyTooLarge = 'body_too_large',
  UnsupportedMediaType = 'unsupported_media_type',
  Internal = 'internal_error',
}

defineErrorCodes<RequestErrorCode>({
  [RequestErrorCode.ValidationFailed]: 'invalid',
  [RequestErrorCode.MalformedJson]: 'invalid',
  [RequestErrorCode.EmptyBody]: 'invalid',
  [RequestErrorCode.InvalidContentLength]: 'invalid',
  [RequestErrorCode.BodyNestedTooDeep]: 'invalid',
  [RequestErrorCode.InvalidUtf8]: 'invalid',
  [RequestErrorCode.InvalidInput]: 'invalid',
  [RequestErrorCode.BadRequest]: 'invalid',
  [RequestErrorCode.BodyTooLarge]: 'too_large',
  [RequestErrorCode.UnsupportedMediaType]: 'unsupported_media_type',
  [RequestErrorCode.Internal]: 'internal',
});
