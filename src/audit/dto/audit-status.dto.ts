import { ApiProperty } from '@nestjs/swagger';

/** Whether the audit log can be written, as the replica that answers sees it. */
export class AuditStatusDto {
  @ApiProperty({ description: "This replica's last audit write succeeded (broker_audit_available)" })
  available!: boolean;

  @ApiProperty({ description: 'When the current state began on this replica (its start, if it has never failed)' })
  since!: string;

  @ApiProperty({ nullable: true, type: String, description: "This replica's last failed audit write" })
  lastFailureAt!: string | null;

  @ApiProperty({ description: 'AUDIT_FAIL_CLOSED: while the log is unavailable, requests are refused (503) rather than answered without a record' })
  failClosed!: boolean;
}
