import { ApiPropertyOptional, ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsBoolean, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsOptionalButNotNull, PlainText, Required, Trim } from '../../common/validators';
import { WEBHOOK_EVENT_TYPES } from '../webhook-event-types';

const EVENT_TYPES_MESSAGE = `eventTypes must be a list of: ${WEBHOOK_EVENT_TYPES.join(', ')}`;

// Validation runs bottom-up and stops at the first failure per field (see common/validation.ts).
/** What an endpoint is sent and how it is described: the same rules on create and update. */
abstract class WebhookEndpointSelectionDto {
  @ApiPropertyOptional({
    type: [String],
    enum: WEBHOOK_EVENT_TYPES,
    nullable: true,
    description: 'The event types to send; absent or null: every type',
  })
  @IsIn(WEBHOOK_EVENT_TYPES, { each: true, message: EVENT_TYPES_MESSAGE })
  @ArrayUnique({ message: 'eventTypes must not repeat a type' })
  @ArrayMaxSize(WEBHOOK_EVENT_TYPES.length)
  @IsArray({ message: EVENT_TYPES_MESSAGE })
  @IsOptional()
  eventTypes?: string[] | null;

  @ApiPropertyOptional({ maxLength: 500, nullable: true, type: String })
  @PlainText()
  @MaxLength(500)
  @IsString()
  @IsOptional()
  description?: string | null;
}

export class CreateWebhookDto extends WebhookEndpointSelectionDto {
  @ApiProperty({ maxLength: 2048, example: 'https://hooks.example.com/myinvois-broker', description: 'https (http only with WEBHOOK_ALLOW_HTTP=true)' })
  @MaxLength(2048)
  @PlainText()
  @IsString()
  @Trim()
  @Required()
  url!: string;

  @ApiPropertyOptional({ default: true })
  @IsBoolean()
  @IsOptionalButNotNull()
  enabled?: boolean;
}

export class UpdateWebhookDto extends WebhookEndpointSelectionDto {
  @ApiPropertyOptional({ maxLength: 2048, example: 'https://hooks.example.com/myinvois-broker' })
  @MaxLength(2048)
  @PlainText()
  @IsString()
  @Trim()
  @IsOptionalButNotNull()
  url?: string;

  @ApiPropertyOptional({ description: 'Enabling an endpoint the broker disabled (after a 410) sends what waited for it' })
  @IsBoolean()
  @IsOptionalButNotNull()
  enabled?: boolean;
}
