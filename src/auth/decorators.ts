import { isIP } from 'node:net';
import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Actor } from '../audit/actor';
import type { Caller } from './caller';
import type { Role } from './principal.entity';

export const IS_PUBLIC = 'auth:public';
export const ALLOWED_ROLES = 'auth:roles';
export const TENANT_PARAM = 'auth:tenant-param';

/** No bearer token needed (health, docs, JWKS, the token endpoint). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** Roles allowed on a route or controller; routes that say nothing are admin-only. */
export const Roles = (...roles: Role[]) => SetMetadata(ALLOWED_ROLES, roles);

/**
 * The route acts on the tenant named by this path parameter. A service principal without a
 * grant for it gets the same 404 as for a tenant that does not exist, so ids cannot be probed.
 */
export const TenantScoped = (param = 'id') => SetMetadata(TENANT_PARAM, param);

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
