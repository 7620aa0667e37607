import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AuditService } from '../../audit/audit.service';
import { DomainError } from '../../common/domain-error';
import { isUuid } from '../../common/formats';
import { CallerRefusalCode } from '../../common/caller-refusals';
import { AuthError } from '../auth.errors';
import { TenantDirectory } from '../tenant-directory';
import { Authenticator } from './authenticator';
import { mayAccessTenant, type Role } from '../../common/caller';
import { actorOf, ALLOWED_ROLES, IS_PUBLIC, TENANT_PARAM } from '../../common/route-metadata';

const BEARER = /^Bearer\s+([A-Za-z0-9\-._~+/]+=*)\s*$/i;

/**
 * Global guard: every route needs a valid bearer token unless marked @Public; routes are
 * admin-only unless they allow more roles; tenant-scoped routes check the caller's grants.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
    private readonly audit: AuditService,
    private readonly tenants: TenantDirectory,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    try {
      return await this.check(request, targets);
    } catch (error) {
      if (error instanceof DomainError) await this.recordDenial(request, error);
      throw error;
    }
  }

  private async check(request: FastifyRequest, targets: Parameters<Reflector['getAllAndOverride']>[1]): Promise<boolean> {
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
    if (isUuid(tenantId) && !mayAccessTenant(caller, tenantId)) {
      // Exactly the error of a tenant that does not exist, so other tenants' ids cannot be probed.
      throw this.tenants.notFound(tenantId.toLowerCase());
    }
    return true;
  }

  /** Every refusal is audited before the answer goes out, but a failing audit log never changes the answer. */
  private async recordDenial(request: FastifyRequest, error: DomainError): Promise<void> {
    const tenantParam = error.code === CallerRefusalCode.TenantNotFound ? (request.params as Record<string, string>) : undefined;
    await this.audit.recordBestEffort({
      actor: actorOf(request),
      action: 'auth.denied',
      outcome: 'denied',
      tenantId: tenantParam ? (Object.values(tenantParam).find(isUuid)?.toLowerCase() ?? null) : null,
      details: { code: error.code, reason: error.message, method: request.method, route: request.routeOptions?.url ?? request.url.split('?')[0] },
    });
  }
}
