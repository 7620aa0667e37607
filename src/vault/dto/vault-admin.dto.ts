import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { IntegrityReport, RewrapSummary, VaultStatus } from '../vault-admin.service';

export class DataKeyCountDto {
  @ApiProperty({ example: 'v1', description: 'A master key version' })
  version!: string;

  @ApiProperty({ description: 'Whether a configured key ring (VAULT_KEYS or VAULT_PKCS11_KEYS) holds it' })
  inRing!: boolean;

  @ApiProperty({ type: 'integer', description: 'Data keys it wraps, in every table' })
  total!: number;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' }, example: { credentials: 12 }, description: 'Data keys it wraps, per table' })
  byStore!: Record<string, number>;
}

export class KeyRingReportDto {
  @ApiProperty({ enum: ['local', 'pkcs11'], description: 'VAULT_KEYS (local) or the PKCS#11 token' })
  kind!: 'local' | 'pkcs11';

  @ApiProperty({ type: [String], example: ['v1'], description: 'The master key versions this ring holds' })
  versions!: string[];

  @ApiProperty({ description: 'Whether the ring answers now (a PKCS#11 token that is away or hung does not)' })
  available!: boolean;

  @ApiProperty({ type: String, format: 'date-time', description: 'Since when it has been in that state' })
  since!: Date;

  @ApiPropertyOptional({ description: 'Why it does not answer' })
  reason?: string;

  @ApiPropertyOptional({ type: 'integer', description: 'When the broker tries the device again, in seconds' })
  retryAfterSeconds?: number;
}

export class VaultStatusDto implements VaultStatus {
  @ApiProperty({ example: 'v2', description: 'VAULT_ACTIVE_KEY: the version that wraps new data keys' })
  activeVersion!: string;

  @ApiProperty({ type: [String], example: ['v1', 'v2'], description: 'The versions of every configured key ring' })
  ringVersions!: string[];

  @ApiProperty({ type: [KeyRingReportDto], description: 'The key rings (local, PKCS#11) with their versions and whether they answer' })
  rings!: KeyRingReportDto[];

  @ApiProperty({ type: [DataKeyCountDto] })
  dataKeys!: DataKeyCountDto[];

  @ApiProperty({ type: [String], example: ['v1'], description: 'Versions in VAULT_KEYS that wrap nothing any more and are not active: safe to remove' })
  removableVersions!: string[];
}

export class DataKeyFailureDto {
  @ApiProperty({ example: 'credentials', description: 'The table' })
  store!: string;

  @ApiProperty({ format: 'uuid', description: 'The row whose data key failed its integrity check' })
  id!: string;
}

export class RewrapSummaryDto implements RewrapSummary {
  @ApiProperty({ example: 'v2' })
  activeVersion!: string;

  @ApiProperty({ type: 'integer', description: 'Data keys moved to the active version by this run' })
  rewrapped!: number;

  @ApiProperty({ type: [DataKeyFailureDto], description: 'Data keys that failed their integrity check (left as they were)' })
  failed!: DataKeyFailureDto[];

  @ApiProperty({ type: 'integer', description: 'Data keys still under an older version; run again to go on' })
  remaining!: number;
}

export class CredentialIntegrityFailureDto {
  @ApiProperty({ format: 'uuid' })
  credentialId!: string;

  @ApiProperty({ example: 'clientSecret', description: 'The part that failed its check' })
  part!: string;
}

export class IntegrityReportDto implements IntegrityReport {
  @ApiProperty({ type: 'integer', description: 'Credentials opened' })
  checked!: number;

  @ApiProperty({ type: [CredentialIntegrityFailureDto] })
  failed!: CredentialIntegrityFailureDto[];
}
