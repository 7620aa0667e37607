import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { TenantError } from '../tenants/tenant.errors';
import { AuthError } from './auth.errors';
import { Authenticator } from './authenticator';
import { mayAccessTenant } from './caller';
import { ALLOWED_ROLES, IS_PUBLIC, TENANT_PARAM } from './decorators';
import type { Role } from './principal.entity';

const BEARER = /^Bearer\s+([A-Za-z0-9\-._~+/]+=*)\s*$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Global guard: every route needs a valid bearer token unless marked @Public; routes are
 * admin-only unless they allow more roles; tenant-scoped routes check the caller's grants.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;

    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const header = request.headers.authorization;
    if (!header) throw AuthError.missingToken();
    const token = BEARER.exec(header)?.[1];
    if (!token) throw AuthError.invalidToken('malformed Authorization header');
    const caller = await this.authenticator.authenticate(token);
    request.caller = caller;

    const roles = this.reflector.getAllAndOverride<Role[]>(ALLOWED_ROLES, targets) ?? ['admin'];
    if (!roles.includes(caller.role)) throw AuthError.forbidden(`This route needs the role ${roles.join(' or ')}`);

    const tenantParam = this.reflector.getAllAndOverride<string>(TENANT_PARAM, targets);
    const tenantId = tenantParam ? (request.params as Record<string, string>)[tenantParam] : undefined;
    // A malformed id is left to the route's validation (400); a well-formed one not granted is 404.
    if (tenantId && UUID.test(tenantId) && !mayAccessTenant(caller, tenantId)) {
      // Exactly the error of a tenant that does not exist, so other tenants' ids cannot be probed.
      throw TenantError.notFound(tenantId);
    }
    return true;
  }
}
