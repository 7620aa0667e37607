import { ApiProperty } from '@nestjs/swagger';
import type { PurgeResult } from '../audit-retention';
import { ACTOR_TYPES, OUTCOMES } from '../audit-event.entity';

export class AuditActorDto {
  @ApiProperty({ enum: ACTOR_TYPES })
  type!: string;

  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'Principal id, for principals' })
  id!: string | null;

  @ApiProperty({ description: 'Principal name, or the job of the broker that acted' })
  name!: string;
}

export class AuditEventDto {
  @ApiProperty({ description: 'Position in the chain (a string: it may exceed 2^53)' })
  seq!: string;

  @ApiProperty({ format: 'date-time', description: "The database's clock, read while the chain was locked" })
  occurredAt!: string;

  @ApiProperty({ type: AuditActorDto })
  actor!: AuditActorDto;

  @ApiProperty({ example: 'tenant.created' })
  action!: string;

  @ApiProperty({ nullable: true, type: String, format: 'uuid' })
  tenantId!: string | null;

  @ApiProperty({ nullable: true, type: Object, example: { type: 'tenant', id: '…' } })
  target!: { type: string; id: string } | null;

  @ApiProperty({ enum: OUTCOMES })
  outcome!: string;

  @ApiProperty({ nullable: true, type: String })
  requestId!: string | null;

  @ApiProperty({ nullable: true, type: String })
  callerIp!: string | null;

  @ApiProperty({ type: Object, description: 'What the action concerned; never a secret or a token (tokens are named by tokenFingerprint)' })
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
  @ApiProperty({ description: 'Whether every hash recomputes' })
  ok!: boolean;

  @ApiProperty({ type: 'integer', description: 'Events checked' })
  checked!: number;

  @ApiProperty({ required: false, description: 'The first event that does not verify' })
  firstBrokenSeq?: string;

  @ApiProperty({ required: false, description: 'Why it does not verify' })
  reason?: string;

  @ApiProperty({ description: 'The chain starts after this event (0 until a purge)' })
  anchorSeq!: string;

  @ApiProperty()
  headSeq!: string;

  @ApiProperty({ description: 'Keep it somewhere else: an outside witness of the chain' })
  headHash!: string;
}

export class PurgeResultDto implements PurgeResult {
  @ApiProperty({ type: 'integer', description: 'Events removed by this run (including those an interrupted run had cut off)' })
  deleted!: number;

  @ApiProperty({ description: 'The chain now starts after this event; its hash is the new anchor' })
  anchorSeq!: string;

  @ApiProperty({ format: 'date-time', description: 'Events older than this were removed' })
  cutoff!: string;
}
