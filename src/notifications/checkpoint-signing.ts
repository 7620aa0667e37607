import { Injectable, OnModuleInit } from '@nestjs/common';
import { AuditCheckpoints } from '../audit/audit-checkpoints';
import { SigningKeys } from '../auth/signing-keys/signing-keys';

/** The media type in a checkpoint's JWS header, so that it is never mistaken for an access token. */
export const CHECKPOINT_JWS_TYPE = 'audit-checkpoint+jws';

/** Gives the audit log's checkpoints the broker's signing key, which the audit module cannot depend on. */
@Injectable()
export class CheckpointSigning implements OnModuleInit {
  constructor(
    private readonly checkpoints: AuditCheckpoints,
    private readonly signingKeys: SigningKeys,
  ) {}

  onModuleInit(): void {
    this.checkpoints.useSigner((claims) => this.signingKeys.signDocument({ ...claims }, CHECKPOINT_JWS_TYPE));
  }
}
