import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger';

const INDICATORS: { type: 'object'; additionalProperties: SchemaObject; example: object } = {
  type: 'object',
  additionalProperties: {
    type: 'object',
    required: ['status'],
    // A check that is down says why, in fields of its own.
    properties: { status: { type: 'string', enum: ['up', 'down'] } },
    additionalProperties: true,
  },
  example: { database: { status: 'up' }, lifecycle: { status: 'up' } },
};

/** What @nestjs/terminus reports: each check by name, those up in `info`, those down in `error`. */
export class HealthDto {
  @ApiProperty({ enum: ['ok', 'error', 'shutting_down'] })
  status!: string;

  @ApiPropertyOptional({ ...INDICATORS, description: 'The checks that are up' })
  info?: Record<string, { status: string }>;

  @ApiPropertyOptional({ ...INDICATORS, description: 'The checks that are down' })
  error?: Record<string, { status: string }>;

  @ApiProperty({ ...INDICATORS, description: 'Every check' })
  details!: Record<string, { status: string }>;
}

/** The same report in the error shape, with 503. */
export class HealthUnavailableDto extends HealthDto {
  @ApiProperty({ enum: [503] })
  statusCode!: number;

  @ApiProperty({ enum: ['unavailable'] })
  code!: string;

  @ApiProperty()
  message!: string;

  @ApiPropertyOptional()
  requestId?: string;
}
