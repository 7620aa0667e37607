import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpExceptionFilter } from '../common/http-exception.filter';
import { OAuthError } from './token/oauth-error';

export const TOKEN_PATH = '/connect/token';

/** Fastify's refusals before the handler runs, described for an OAuth client. */
const UNREADABLE_BODY: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'The request body is not valid JSON, and must be application/x-www-form-urlencoded anyway',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'The request body is empty, and must be application/x-www-form-urlencoded',
  FST_ERR_CTP_BODY_TOO_LARGE: 'The request body is too large',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'Content-Length does not match the body',
};

/**
 * On `/connect/token` every refusal is OAuth-shaped, `{ error, error_description }`, as MyInvois
 * answers, including those Fastify makes before the handler (malformed JSON, body too large).
 * Everywhere else (the control API) errors have the broker's usual shape.
 */
@Catch()
export class SimulatorExceptionFilter implements ExceptionFilter {
  private readonly standard = new HttpExceptionFilter();
  private readonly logger = new Logger('SimulatorExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    if ((request?.url ?? '').split('?')[0] !== TOKEN_PATH) return this.standard.catch(exception, host);

    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const [status, body] = this.toOAuth(exception);
    if (status >= 500) this.logger.error({ err: exception, requestId: request.id }, 'unhandled error on the token endpoint');
    void reply.status(status).header('content-type', 'application/json; charset=utf-8').send(body);
  }

  private toOAuth(exception: unknown): [number, { error: string; error_description: string }] {
    if (exception instanceof OAuthError) return [400, exception.body];
    const cause = exception instanceof HttpException ? (exception.cause ?? exception) : exception;
    const code = typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : undefined;
    if (typeof code === 'string' && UNREADABLE_BODY[code]) return [400, { error: 'invalid_request', error_description: UNREADABLE_BODY[code] }];
    if (exception instanceof HttpException && exception.getStatus() < 500) {
      // Parser refusals (such as a form field named __proto__) are 400s; a wrong method keeps its status.
      return [exception.getStatus(), { error: 'invalid_request', error_description: exception.message }];
    }
    return [500, { error: 'server_error', error_description: 'Internal server error' }];
  }
}
