/** The roles a principal of the broker has: an operator's tooling (`admin`) or an internal service (`service`). */
export const ROLES = ['admin', 'service'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling, as established by the guard; passed explicitly to services that need it. */
export interface Caller {
  readonly principalId: string;
  readonly name: string;
  readonly role: Role;
  readonly allTenants: boolean;
  readonly tenantIds: ReadonlySet<string>;
}

/** Admins act on every tenant; a service only on the tenants it was granted (stored lower-case). */
export function mayAccessTenant(caller: Caller, tenantId: string): boolean {
  return caller.role === 'admin' || caller.allTenants || caller.tenantIds.has(tenantId.toLowerCase());
}

/** For list queries: undefined means "no restriction". */
export function grantedTenantIds(caller: Caller): string[] | undefined {
  return caller.role === 'admin' || caller.allTenants ? undefined : [...caller.tenantIds];
}

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
  }
}
