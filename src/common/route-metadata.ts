import { isIP } from 'node:net';
import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiOAuth2 } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { Actor } from './actor';
import { ApiErrors, forEachRoute } from './api-errors';
import { CallerRefusalCode } from './caller-refusals';
import { DatabaseErrorCode } from './database-unavailable';
import { RequestErrorCode } from './error-codes';
import { ApiBodyRefusals } from './request-bodies';
import { ROLES } from './caller';
import type { Caller, Role } from './caller';

export const IS_PUBLIC = 'auth:public';
export const ALLOWED_ROLES = 'auth:roles';
export const TENANT_PARAM = 'auth:tenant-param';

/** No bearer token needed (health, docs, JWKS, the token endpoint). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** The security schemes of the OpenAPI document (http-app.ts declares them). */
export const BEARER_SCHEME = 'bearer';
export const OAUTH2_SCHEME = 'oauth2';

/**
 * Documents a controller as the guard treats it: a bearer token from `POST /v1/auth/token` (or
 * the external identity provider) is needed, and every route may answer what the guard answers,
 * and 503 `database_unavailable` while PostgreSQL is out of reach.
 */
export const ApiCallerAuth = () =>
  applyDecorators(
    ApiBearerAuth(BEARER_SCHEME),
    ApiOAuth2([], OAUTH2_SCHEME),
    ApiErrors(
      CallerRefusalCode.MissingToken,
      CallerRefusalCode.InvalidToken,
      CallerRefusalCode.IdentityProviderUnavailable,
      DatabaseErrorCode.Unavailable,
      RequestErrorCode.Internal,
    ),
    ApiBodyRefusals(),
  );

/**
 * Roles allowed on a route or controller; routes that say nothing are admin-only. Where a role is
 * left out, the 403 the guard gives it is documented: on a controller, for every route of it
 * that does not name roles of its own (class decorators run after the methods').
 */
export function Roles(...roles: Role[]): MethodDecorator & ClassDecorator {
  return ((target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => {
    SetMetadata(ALLOWED_ROLES, roles)(target, key!, descriptor!);
    if (ROLES.every((role) => roles.includes(role))) return descriptor ?? target;
    if (descriptor) return ApiErrors(CallerRefusalCode.Forbidden)(target, key!, descriptor);
    forEachRoute(target as new () => unknown, (handler, name, route) => {
      if (!Reflect.hasOwnMetadata(ALLOWED_ROLES, handler))
        ApiErrors(CallerRefusalCode.Forbidden)((target as new () => unknown).prototype as object, name, route);
    });
    return target;
  }) as MethodDecorator & ClassDecorator;
}

/**
 * The route acts on the tenant named by this path parameter. A service principal without a
 * grant for it gets the same 404 as for a tenant that does not exist, so ids cannot be probed.
 */
export const TenantScoped = (param = 'id') => applyDecorators(SetMetadata(TENANT_PARAM, param), ApiErrors(CallerRefusalCode.TenantNotFound));

/** The authenticated caller, for services that need to know who acts. */
export const CurrentCaller = createParamDecorator((_data: unknown, context: ExecutionContext): Caller => {
  const caller = context.switchToHttp().getRequest<FastifyRequest>().caller;
  if (!caller) throw new Error('CurrentCaller used on a route without authentication');
  return caller;
});

/**
 * The audit actor for this request: the authenticated principal with the request id and the
 * caller's address (from X-Forwarded-For only when TRUST_PROXY is set).
 */
export const CurrentActor = createParamDecorator((_data: unknown, context: ExecutionContext): Actor => {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  return actorOf(request);
});

export function actorOf(request: FastifyRequest): Actor {
  const caller = request.caller;
  const callerIp = callerAddressOf(request);
  return caller
    ? { type: 'principal', id: caller.principalId, name: caller.name, requestId: request.id, callerIp }
    : { type: 'anonymous', requestId: request.id, callerIp };
}

/**
 * The caller's address. With TRUST_PROXY, X-Forwarded-For names it; what is there but is no
 * plain IP address (a forged header, a zone id) falls back to the connection's peer rather
 * than reach the audit log and the login limits.
 */
export function callerAddressOf(request: FastifyRequest): string | undefined {
  return isIP(request.ip) && !request.ip.includes('%') ? request.ip : request.socket?.remoteAddress;
}
