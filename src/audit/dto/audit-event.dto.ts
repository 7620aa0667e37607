import { ApiProperty } from '@nestjs/swagger';
import { ACTOR_TYPES, OUTCOMES } from '../audit-event.entity';

export class AuditActorDto {
  @ApiProperty({ enum: ACTOR_TYPES })
  type!: string;

  @ApiProperty({ nullable: true, type: String, description: 'Principal id, for principals' })
  id!: string | null;

  @ApiProperty({ description: 'Principal name, or the job of the broker that acted' })
  name!: string;
}

export class AuditEventDto {
  @ApiProperty({ description: 'Position in the chain (a string: it may exceed 2^53)' })
  seq!: string;

  @ApiProperty()
  occurredAt!: string;

  @ApiProperty({ type: AuditActorDto })
  actor!: AuditActorDto;

  @ApiProperty({ example: 'tenant.created' })
  action!: string;

  @ApiProperty({ nullable: true, type: String })
  tenantId!: string | null;

  @ApiProperty({ nullable: true, type: Object, example: { type: 'tenant', id: '…' } })
  target!: { type: string; id: string } | null;

  @ApiProperty({ enum: OUTCOMES })
  outcome!: string;

  @ApiProperty({ nullable: true, type: String })
  requestId!: string | null;

  @ApiProperty({ nullable: true, type: String })
  callerIp!: string | null;

  @ApiProperty({ type: Object })
  details!: Record<string, unknown>;

  @ApiProperty()
  prevHash!: string;

  @ApiProperty()
  hash!: string;
}

export class AuditEventPageDto {
  @ApiProperty({ type: [AuditEventDto] })
  items!: AuditEventDto[];

  @ApiProperty({ nullable: true, type: String })
  nextCursor!: string | null;
}

export class ChainVerificationDto {
  @ApiProperty()
  ok!: boolean;

  @ApiProperty()
  checked!: number;

  @ApiProperty({ required: false })
  firstBrokenSeq?: string;

  @ApiProperty({ required: false })
  reason?: string;

  @ApiProperty()
  anchorSeq!: string;

  @ApiProperty()
  headSeq!: string;

  @ApiProperty()
  headHash!: string;
}
