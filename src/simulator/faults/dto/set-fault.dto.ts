import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { Required } from '../../../common/validators';
import { FAULT_KINDS, MAX_LATENCY_MS } from '../fault-plan';
import type { FaultKind } from '../fault-plan';

/** `PUT /_sim/faults` and `PUT /_sim/clients/:clientId/faults`; which fields apply depends on `kind`. */
export class SetFaultDto {
  @IsIn(FAULT_KINDS, { message: `kind must be one of: ${FAULT_KINDS.join(', ')}` })
  @Required()
  kind!: FaultKind;

  @Max(599)
  @Min(200)
  @IsInt()
  @IsOptional()
  status?: number;

  @Max(MAX_LATENCY_MS)
  @Min(0)
  @IsInt()
  @IsOptional()
  latencyMs?: number;

  /** A `Retry-After` header (seconds) on the fault's answer. */
  @Max(86_400)
  @Min(0)
  @IsInt()
  @IsOptional()
  retryAfterSeconds?: number;

  /** For kind oauth_error: the OAuth `error` code to answer with. */
  @Matches(/^[a-z_]{1,64}$/, { message: 'error must be an OAuth error code: lower-case letters and underscores' })
  @IsString()
  @IsOptional()
  error?: string;

  /** For kind oauth_error: the `error_description`. */
  @MaxLength(500)
  @IsString()
  @IsOptional()
  description?: string;

  /** Serve the fault to this many requests, then clear it. */
  @Max(1_000_000)
  @Min(1)
  @IsInt()
  @IsOptional()
  remaining?: number;
}
