import { DomainError } from '../common/domain-error';
import { defineErrorCodes } from '../common/error-codes';

export enum VaultErrorCode {
  CredentialNotFound = 'credential_not_found',
  ClientIdTaken = 'credential_client_id_taken',
  CredentialInUse = 'credential_in_use',
  Integrity = 'credential_integrity_error',
  RewrapRefused = 'vault_rewrap_refused',
}

const KIND = defineErrorCodes<VaultErrorCode>({
  [VaultErrorCode.CredentialNotFound]: 'not_found',
  [VaultErrorCode.ClientIdTaken]: 'conflict',
  [VaultErrorCode.CredentialInUse]: 'conflict',
  [VaultErrorCode.Integrity]: 'internal',
  [VaultErrorCode.RewrapRefused]: 'conflict',
});

export class VaultError extends DomainError {
  constructor(code: VaultErrorCode, message: string, details?: Record<string, unknown>) {
    super(code, KIND[code], message, details);
  }

  static notFound(id: string): VaultError {
    return new VaultError(VaultErrorCode.CredentialNotFound, `Credential ${id} does not exist`);
  }

  /** Says which credential and which part failed; never any byte of it. */
  static integrity(credentialId: string, part: string): VaultError {
    return new VaultError(
      VaultErrorCode.Integrity,
      `Credential ${credentialId} failed its integrity check (${part}): its stored bytes were changed, or its master key is not the one it was sealed with`,
      { credentialId, part },
    );
  }
}
