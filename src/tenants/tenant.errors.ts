import { DomainError } from '../common/domain-error';
import { defineErrorCodes } from '../common/error-codes';

export enum TenantErrorCode {
  NotFound = 'tenant_not_found',
  TinTaken = 'tenant_tin_taken',
  CredentialTaken = 'tenant_credential_taken',
}

const KIND = defineErrorCodes<TenantErrorCode>({
  [TenantErrorCode.NotFound]: 'not_found',
  [TenantErrorCode.TinTaken]: 'conflict',
  [TenantErrorCode.CredentialTaken]: 'conflict',
});

export class TenantError extends DomainError {
  constructor(code: TenantErrorCode, message: string, details?: Record<string, unknown>) {
    super(code, KIND[code], message, details);
  }

  static notFound(id: string): TenantError {
    return new TenantError(TenantErrorCode.NotFound, `Tenant ${id} does not exist`);
  }
}
