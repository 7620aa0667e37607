import { DomainError } from '../common/domain-error';
import { defineErrorCodes } from '../common/error-codes';

export enum VaultErrorCode {
  CredentialNotFound = 'credential_not_found',
  ClientIdTaken = 'credential_client_id_taken',
  CredentialInUse = 'credential_in_use',
  Integrity = 'credential_integrity_error',
  RewrapRefused = 'vault_rewrap_refused',
  Unavailable = 'vault_unavailable',
}

const KIND = defineErrorCodes<VaultErrorCode>({
  [VaultErrorCode.CredentialNotFound]: 'not_found',
  [VaultErrorCode.ClientIdTaken]: 'conflict',
  [VaultErrorCode.CredentialInUse]: 'conflict',
  [VaultErrorCode.Integrity]: 'internal',
  [VaultErrorCode.RewrapRefused]: 'conflict',
  [VaultErrorCode.Unavailable]: 'unavailable',
});

export class VaultError extends DomainError {
  constructor(code: VaultErrorCode, message: string, details?: Record<string, unknown>, retryAfterSeconds?: number) {
    super(code, KIND[code], message, details, retryAfterSeconds);
  }

  /** The key ring cannot answer now: nothing stored is wrong, and nothing was changed. */
  static unavailable(reason: string, retryAfterSeconds: number): VaultError {
    return new VaultError(
      VaultErrorCode.Unavailable,
      `The vault's key ring cannot open or wrap data keys right now (${reason})`,
      { reason },
      retryAfterSeconds,
    );
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
