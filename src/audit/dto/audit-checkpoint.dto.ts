import { ApiProperty } from '@nestjs/swagger';

export class AuditCheckpointDto {
  @ApiProperty({ description: 'The seq of the chain head it signs' })
  seq!: string;

  @ApiProperty({ description: 'The hash of that event' })
  hash!: string;

  @ApiProperty({ description: 'Where the chain started then (0, or the seq a purge left as anchor)' })
  anchorSeq!: string;

  @ApiProperty({ format: 'date-time' })
  signedAt!: string;

  @ApiProperty({ description: 'The signing key, as in /.well-known/jwks.json' })
  kid!: string;

  @ApiProperty({ description: 'Compact JWS (ES256, `kid` in its header) of { seq, hash, anchorSeq, signedAt, iss }; keep it outside the database' })
  jws!: string;
}

export class AuditCheckpointPageDto {
  @ApiProperty({ type: [AuditCheckpointDto] })
  items!: AuditCheckpointDto[];

  @ApiProperty({ nullable: true, type: String })
  nextCursor!: string | null;
}
