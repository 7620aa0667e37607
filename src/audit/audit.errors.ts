import { DomainError } from '../common/domain-error';
import { defineErrorCodes } from '../common/error-codes';

export enum AuditErrorCode {
  Unavailable = 'audit_unavailable',
  InvalidRange = 'audit_invalid_range',
  PurgeDisabled = 'audit_purge_disabled',
}

const KIND = defineErrorCodes<AuditErrorCode>({
  [AuditErrorCode.Unavailable]: 'unavailable',
  [AuditErrorCode.InvalidRange]: 'invalid',
  [AuditErrorCode.PurgeDisabled]: 'conflict',
});

export class AuditError extends DomainError {
  constructor(code: AuditErrorCode, message: string, details?: Record<string, unknown>, retryAfterSeconds?: number) {
    super(code, KIND[code], message, details, retryAfterSeconds);
  }

  /** Fail closed: nothing is handed out that the audit log could not record. */
  static unavailable(): AuditError {
    return new AuditError(AuditErrorCode.Unavailable, 'The audit log cannot be written right now, so this request is refused', undefined, 5);
  }
}
