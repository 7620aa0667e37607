import { ApiProperty } from '@nestjs/swagger';
import { PageQueryDto } from '../../common/pagination';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { DELIVERY_STATUSES } from '../webhook-delivery.entity';
import type { DeliveryStatus } from '../webhook-delivery.entity';
import { WEBHOOK_EVENT_TYPES } from '../webhook-event-types';

export class WebhookEndpointDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  url!: string;

  @ApiProperty({ nullable: true, type: String })
  description!: string | null;

  @ApiProperty({ type: [String], enum: WEBHOOK_EVENT_TYPES, nullable: true, description: 'null: every type' })
  eventTypes!: string[] | null;

  @ApiProperty()
  enabled!: boolean;

  @ApiProperty({ nullable: true, type: String, description: 'Why the broker disabled it (the receiver answered 410 Gone)' })
  disabledReason!: string | null;

  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'Until then the secret before the last rotation signs too' })
  previousSecretValidUntil!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
}

export class WebhookEndpointWithSecretDto extends WebhookEndpointDto {
  @ApiProperty({ example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', description: 'The signing secret (Standard Webhooks form), shown only now' })
  secret!: string;
}

export class WebhookSecretDto {
  @ApiProperty({ description: 'The new signing secret, shown only now' })
  secret!: string;

  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'Until then the old secret signs beside it' })
  previousSecretValidUntil!: string | null;
}

export class WebhookEndpointPageDto {
  @ApiProperty({ type: [WebhookEndpointDto] })
  items!: WebhookEndpointDto[];

  @ApiProperty({ nullable: true, type: String })
  nextCursor!: string | null;
}

export class WebhookDeliveryDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid', description: 'Sent as webhook-id: the same on every attempt and redelivery' })
  eventId!: string;

  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES })
  eventType!: string;

  @ApiProperty({ enum: DELIVERY_STATUSES })
  status!: DeliveryStatus;

  @ApiProperty({ type: 'integer' })
  attempts!: number;

  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'When it is tried next; null once delivered or failed' })
  nextAttemptAt!: string | null;

  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  lastAttemptAt!: string | null;

  @ApiProperty({ nullable: true, type: 'integer', description: "The receiver's last HTTP status" })
  lastStatus!: number | null;

  @ApiProperty({ nullable: true, type: String, description: "The first kilobyte of the receiver's last answer" })
  lastResponse!: string | null;

  @ApiProperty({ nullable: true, type: String, description: 'Why the last attempt failed without an answer (timeout, connection, address refused)' })
  lastError!: string | null;

  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  deliveredAt!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

export class WebhookDeliveryPageDto {
  @ApiProperty({ type: [WebhookDeliveryDto] })
  items!: WebhookDeliveryDto[];

  @ApiProperty({ nullable: true, type: String })
  nextCursor!: string | null;
}

export class WebhookTestDto {
  @ApiProperty({ format: 'uuid', description: 'The event (and webhook-id) of the test' })
  eventId!: string;

  @ApiProperty({ format: 'uuid' })
  deliveryId!: string;
}

export class ListDeliveriesQuery extends PageQueryDto {
  @ApiPropertyOptional({ enum: DELIVERY_STATUSES })
  @IsIn(DELIVERY_STATUSES, { message: `status must be one of: ${DELIVERY_STATUSES.join(', ')}` })
  @IsOptional()
  status?: DeliveryStatus;
}
