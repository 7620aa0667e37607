import { STATUS_CODES } from 'node:http';
import { PATH_METADATA } from '@nestjs/common/constants';
import { DECORATORS, getSchemaPath } from '@nestjs/swagger';
import { statusOfCode } from './error-codes';
import { ErrorResponseDto } from './error-response.dto';
import { OAUTH_ERROR_STATUS, OAuthErrorCode } from './oauth.error';

type Handler = (...args: never[]) => unknown;

/** Every response that asks the caller to come back later says when. */
const RETRY_AFTER = {
  'Retry-After': { description: 'Seconds to wait before retrying', required: true, schema: { type: 'integer', minimum: 1 } },
};
const RETRY_STATUSES = new Set([429, 503]);

/** The codes documented so far per route handler and status, so that decorators add up instead of replacing each other. */
const documented = new WeakMap<Handler, Map<number, Set<string>>>();

/**
 * Documents error responses by their codes: each code under the status the exception filter
 * answers it with (both read `defineErrorCodes`), with the one error schema and the codes of that
 * status as an enum. On a method it adds to what the method already lists; on a controller, to
 * every route of it. Several uses add up.
 */
export function ApiErrors(...codes: string[]): MethodDecorator & ClassDecorator {
  return ((target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    if (descriptor) document(descriptor.value as Handler, codes);
    else forEachRoute(target as new () => unknown, (handler) => document(handler, codes));
    return descriptor ?? target;
  }) as MethodDecorator & ClassDecorator;
}

/**
 * The token endpoint's errors, in RFC 6749 form: its own codes under their statuses, and what the
 * filter makes of everything else there (an unreadable body is `invalid_request`, a server-side
 * failure `server_error`, the database out of reach `temporarily_unavailable`).
 */
export function ApiOAuthErrors(...codes: OAuthErrorCode[]): MethodDecorator {
  return (_target, _key, descriptor) => {
    const handler = descriptor.value as unknown as Handler;
    const byStatus = new Map<number, string[]>();
    const add = (status: number, code: string) => byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
    for (const code of codes) add(OAUTH_ERROR_STATUS[code], code);
    add(413, 'invalid_request');
    add(415, 'invalid_request');
    add(500, 'server_error');
    add(503, 'server_error');
    add(503, 'temporarily_unavailable');
    const responses = { ...Reflect.getMetadata(DECORATORS.API_RESPONSE, handler) };
    for (const [status, list] of byStatus) responses[status] = oauthErrorResponse(status, list);
    Reflect.defineMetadata(DECORATORS.API_RESPONSE, responses, handler);
    return descriptor;
  };
}

function document(handler: Handler, codes: string[]): void {
  const byStatus = documented.get(handler) ?? new Map<number, Set<string>>();
  for (const code of codes) {
    const status = statusOfCode(code);
    byStatus.set(status, (byStatus.get(status) ?? new Set()).add(code));
  }
  documented.set(handler, byStatus);
  const responses = { ...Reflect.getMetadata(DECORATORS.API_RESPONSE, handler) };
  for (const [status, all] of byStatus) responses[status] = errorResponse(status, [...all].sort());
  Reflect.defineMetadata(DECORATORS.API_RESPONSE, responses, handler);
}

/**
 * Calls `visit` with every route handler of a controller, for class decorators that document or
 * mark routes one by one. Class decorators run after the methods': by then each route carries its path.
 */
export function forEachRoute(controller: new () => unknown, visit: (handler: Handler, name: string, descriptor: PropertyDescriptor) => void): void {
  const prototype = controller.prototype as Record<string, unknown>;
  for (const name of Object.getOwnPropertyNames(prototype)) {
    const handler = prototype[name];
    if (typeof handler === 'function' && Reflect.getMetadata(PATH_METADATA, handler) !== undefined) {
      visit(handler as Handler, name, Object.getOwnPropertyDescriptor(prototype, name)!);
    }
  }
}

function errorResponse(status: number, codes: string[]): object {
  const schema = {
    type: 'object',
    allOf: [{ $ref: getSchemaPath(ErrorResponseDto) }],
    properties: { statusCode: { const: status }, code: { type: 'string', enum: codes } },
    // Nothing the Error schema does not name: a new detail field has to be documented there.
    unevaluatedProperties: false,
  };
  return {
    description: `${STATUS_CODES[status]}: ${codes.join(', ')}`,
    content: { 'application/json': { schema } },
    ...(RETRY_STATUSES.has(status) ? { headers: RETRY_AFTER } : {}),
  };
}

function oauthErrorResponse(status: number, codes: string[]): object {
  const schema = {
    type: 'object',
    description: 'An error in RFC 6749 §5.2 form',
    required: ['error', 'error_description'],
    properties: {
      error: { type: 'string', enum: [...new Set(codes)].sort() },
      error_description: { type: 'string', description: 'For people; never holds a secret' },
    },
    additionalProperties: false,
  };
  return {
    description: `${STATUS_CODES[status]}: ${[...new Set(codes)].join(', ')}`,
    content: { 'application/json': { schema } },
    ...(RETRY_STATUSES.has(status) ? { headers: RETRY_AFTER } : {}),
  };
}
