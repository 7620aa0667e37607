import type { DomainError } from '../common/domain-error';

/**
 * What auth/ needs of the tenants, which sit above it: whether the tenants a grant names exist,
 * and the refusal of a tenant the caller is not granted (exactly that of a tenant that does not
 * exist, so ids cannot be probed). The tenants module provides it (`TenantDirectoryModule`), so
 * that auth imports nothing of tenants.
 */
export abstract class TenantDirectory {
  /** Which of these ids are not live tenants. */
  abstract missing(ids: string[]): Promise<string[]>;

  /** The answer to a route on a tenant the caller is not granted. */
  abstract notFound(id: string): DomainError;
}
