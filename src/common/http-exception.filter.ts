import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { OAuthError } from './oauth.error';
import { DomainError } from './domain-error';
import { RequestErrorCode, statusOfCode, STATUS_OF_KIND } from './error-codes';
import { DatabaseErrorCode, DatabaseUnavailableError } from './database-unavailable';
import { isDataException, isDatabaseUnavailable, sqlStateOf } from './postgres-errors';
import { routeConfigOf } from './route-config';

/** Fastify's own codes for requests it refuses before a handler runs. */
const FASTIFY_CODES: Record<string, { code: RequestErrorCode; message: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { code: RequestErrorCode.MalformedJson, message: 'The request body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: RequestErrorCode.EmptyBody, message: 'The request body is empty but Content-Type says JSON' },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: RequestErrorCode.BodyTooLarge, message: 'The request body is larger than the limit' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: RequestErrorCode.UnsupportedMediaType, message: 'Unsupported Content-Type; send application/json' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: RequestErrorCode.InvalidContentLength, message: 'Content-Length does not match the body' },
};

export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  requestId?: string;
  [detail: string]: unknown;
}

/**
 * Shapes every error response the same way: `{ statusCode, code, message, requestId, ...details }`.
 * Unknown errors become a bare 500 whose details go only to the log, never to the caller.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  catch(caught: unknown, host: ArgumentsHost): void {
    const outage = isDatabaseUnavailable(caught);
    // Whatever code path met the outage, the caller hears the same: 503 database_unavailable, with Retry-After.
    const exception = outage && !(caught instanceof DomainError) ? new DatabaseUnavailableError() : caught;
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const body = this.toBody(exception);
    body.requestId = request?.id;
    const retryAfter = exception instanceof DomainError || exception instanceof OAuthError ? exception.retryAfterSeconds : undefined;
    if (retryAfter !== undefined) void reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfter))));
    if (exception instanceof DomainError && exception.headers) void reply.headers(exception.headers);
    if (outage) {
      this.logger.warn({ requestId: request?.id, route: request?.routeOptions?.url, reason: reasonOf(caught) }, 'the database is unavailable; answered 503');
    } else if (isDataException(exception)) {
      // Input that validation should have refused; the SQL and its values stay out of the log too.
      this.logger.warn({ sqlState: sqlStateOf(exception), requestId: request?.id, route: request?.routeOptions?.url }, 'a data exception escaped validation');
    } else if (body.statusCode >= 500 && !(exception instanceof DomainError)) {
      this.logger.error({ err: exception, requestId: request?.id }, 'unhandled error');
    } else if (exception instanceof DomainError && exception.kind === 'internal') {
      this.logger.error({ code: exception.code, message: exception.message, requestId: request?.id }, 'stored data failed a check');
    }
    void reply.status(body.statusCode).header('content-type', 'application/json; charset=utf-8');
    if (isOAuthRoute(request)) {
      // RFC 6749 §5.2 for the broker's token endpoint, whatever went wrong.
      void reply.header('cache-control', 'no-store').send(toOAuthBody(exception, body));
      return;
    }
    void reply.send(body);
  }

  private toBody(exception: unknown): ErrorBody {
    if (exception instanceof OAuthError) {
      return { statusCode: exception.status, code: exception.error, message: exception.description };
    }
    if (exception instanceof DomainError) {
      return { statusCode: STATUS_OF_KIND[exception.kind], code: exception.code, message: exception.message, ...exception.details };
    }
    // Nest wraps Fastify's own refusals (malformed JSON, body too large) in an HttpException.
    const fastify = fastifyError(exception instanceof HttpException ? exception.cause : exception);
    if (fastify) return fastify;
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      if (typeof response === 'string') return { statusCode: status, code: codeForStatus(status), message: response };
      // Keep structured bodies (such as a failed health check's details) but in our shape.
      const { message, error: _error, statusCode: _statusCode, ...details } = response as Record<string, unknown>;
      return { ...details, statusCode: status, code: codeForStatus(status), message: typeof message === 'string' ? message : exception.message };
    }
    // Defence in depth: a value PostgreSQL cannot read is the caller's mistake, not a 500.
    if (isDataException(exception)) {
      return {
        statusCode: statusOfCode(RequestErrorCode.InvalidInput),
        code: RequestErrorCode.InvalidInput,
        message: 'The request holds a value that is not valid here',
      };
    }
    return { statusCode: statusOfCode(RequestErrorCode.Internal), code: RequestErrorCode.Internal, message: 'Internal server error' };
  }
}

/** Routes marked with `@RouteOptions({ oauth: true })` answer errors in OAuth form. */
function isOAuthRoute(request: FastifyRequest | undefined): boolean {
  return routeConfigOf(request).oauth === true;
}

function toOAuthBody(exception: unknown, body: ErrorBody): { error: string; error_description: string } {
  if (exception instanceof OAuthError) return { error: exception.error, error_description: exception.description };
  if (body.code === DatabaseErrorCode.Unavailable) return { error: 'temporarily_unavailable', error_description: body.message };
  if (body.statusCode >= 500) return { error: 'server_error', error_description: 'The server could not answer the request' };
  return { error: 'invalid_request', error_description: body.message };
}

/** The failure's name and message only: a query's text and values stay out of the log. */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const driver = (error as { driverError?: unknown }).driverError;
  const inner = driver instanceof Error ? driver : error;
  const code = (inner as { code?: unknown }).code;
  return `${inner.name}${typeof code === 'string' ? ` ${code}` : ''}: ${inner.message}`;
}

function fastifyError(exception: unknown): ErrorBody | undefined {
  if (typeof exception !== 'object' || exception === null) return undefined;
  const { code, statusCode } = exception as { code?: unknown; statusCode?: unknown };
  if (typeof code !== 'string' || typeof statusCode !== 'number' || statusCode < 400 || statusCode >= 500) return undefined;
  const known = FASTIFY_CODES[code];
  return {
    statusCode: known ? statusOfCode(known.code) : statusCode,
    code: known?.code ?? codeForStatus(statusCode),
    message: known?.message ?? 'The request could not be read',
  };
}

function codeForStatus(status: number): string {
  switch (status) {
    case 400:
      return RequestErrorCode.BadRequest;
    case 401:
      return 'unauthenticated';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 405:
      return 'method_not_allowed';
    case 409:
      return 'conflict';
    case 413:
      return RequestErrorCode.BodyTooLarge;
    case 415:
      return RequestErrorCode.UnsupportedMediaType;
    case 429:
      return 'too_many_requests';
    case 503:
      return 'unavailable';
    default:
      return status >= 500 ? RequestErrorCode.Internal : RequestErrorCode.BadRequest;
  }
}
