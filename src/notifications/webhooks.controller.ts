import { Controller, Delete, Get, HttpCode, Patch, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../common/actor';
import { AuditErrorCode } from '../audit/audit.errors';
import { ApiCallerAuth, CurrentActor, Roles } from '../common/route-metadata';
import { ApiErrors } from '../common/api-errors';
import { PageQueryDto } from '../common/pagination';
import { JsonBody, QueryParams } from '../common/request-bodies';
import { UuidParam } from '../common/validators';
import { VaultErrorCode } from '../vault/vault.errors';
import { CreateWebhookDto, UpdateWebhookDto } from './dto/webhook-endpoint-input.dto';
import {
  ListDeliveriesQuery,
  WebhookDeliveryDto,
  WebhookDeliveryPageDto,
  WebhookEndpointDto,
  WebhookEndpointPageDto,
  WebhookEndpointWithSecretDto,
  WebhookSecretDto,
  WebhookTestDto,
} from './dto/webhook-endpoint.dto';
import { WebhookErrorCode } from './notifications.errors';
import { WebhookDeliveriesService } from './webhook-deliveries.service';
import { WebhookEndpointsService } from './webhook-endpoints.service';

const WEBHOOK_ID = 'The webhook endpoint id';

@ApiTags('webhooks')
@ApiCallerAuth()
@Roles('admin')
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(
    private readonly endpoints: WebhookEndpointsService,
    private readonly deliveries: WebhookDeliveriesService,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Create a webhook endpoint',
    description:
      'Admin only. `url` must be https (http with WEBHOOK_ALLOW_HTTP=true) and not a loopback or link-local address unless WEBHOOK_ALLOWED_HOSTS ' +
      'names it; the address it resolves to is checked again at every delivery. No `eventTypes`: every type. The answer holds `secret` ' +
      '(Standard Webhooks form), shown this once; it is kept sealed by the vault.',
  })
  @ApiCreatedResponse({ type: WebhookEndpointWithSecretDto, description: 'The only time secret is shown' })
  @ApiErrors(VaultErrorCode.Unavailable, AuditErrorCode.Unavailable)
  create(@JsonBody() body: CreateWebhookDto, @CurrentActor() actor: Actor): Promise<WebhookEndpointWithSecretDto> {
    return this.endpoints.create(actor, body);
  }

  @Get()
  @ApiOperation({ summary: 'List webhook endpoints', description: 'Admin only. Oldest first, in pages (`nextCursor`); never a secret.' })
  @ApiOkResponse({ type: WebhookEndpointPageDto, description: 'A page of endpoints, oldest first' })
  list(@QueryParams() query: PageQueryDto): Promise<WebhookEndpointPageDto> {
    return this.endpoints.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Read a webhook endpoint', description: 'Admin only. Never a secret.' })
  @ApiOkResponse({ type: WebhookEndpointDto, description: 'The endpoint' })
  @ApiErrors(WebhookErrorCode.EndpointNotFound)
  get(@UuidParam('id', WEBHOOK_ID) id: string): Promise<WebhookEndpointDto> {
    return this.endpoints.get(id);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Change a webhook endpoint',
    description: 'Admin only. Any of `url`, `eventTypes` (null: every type), `description`, `enabled`. Enabling sends what waited for the endpoint.',
  })
  @ApiOkResponse({ type: WebhookEndpointDto, description: 'The changed endpoint' })
  @ApiErrors(WebhookErrorCode.EndpointNotFound, AuditErrorCode.Unavailable)
  update(@UuidParam('id', WEBHOOK_ID) id: string, @JsonBody() body: UpdateWebhookDto, @CurrentActor() actor: Actor): Promise<WebhookEndpointDto> {
    return this.endpoints.update(actor, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a webhook endpoint', description: 'Admin only. Its deliveries, sent or not, go with it.' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(WebhookErrorCode.EndpointNotFound, AuditErrorCode.Unavailable)
  remove(@UuidParam('id', WEBHOOK_ID) id: string, @CurrentActor() actor: Actor): Promise<void> {
    return this.endpoints.remove(actor, id);
  }

  @Post(':id/secret')
  @HttpCode(200)
  @ApiOperation({
    summary: "Rotate a webhook endpoint's signing secret",
    description:
      'Admin only. The new secret is shown this once. For WEBHOOK_SECRET_GRACE_HOURS both secrets sign every delivery (two signatures in ' +
      '`webhook-signature`), so a receiver can switch to the new one without failing a delivery.',
  })
  @ApiOkResponse({ type: WebhookSecretDto, description: 'The new secret, shown only now' })
  @ApiErrors(WebhookErrorCode.EndpointNotFound, VaultErrorCode.Unavailable, AuditErrorCode.Unavailable)
  rotateSecret(@UuidParam('id', WEBHOOK_ID) id: string, @CurrentActor() actor: Actor): Promise<WebhookSecretDto> {
    return this.endpoints.rotateSecret(actor, id);
  }

  @Post(':id/test')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send a test event', description: 'Admin only. A `webhook.test` event to this endpoint only, delivered like any other.' })
  @ApiAcceptedResponse({ type: WebhookTestDto, description: 'Queued for delivery' })
  @ApiErrors(WebhookErrorCode.EndpointNotFound, AuditErrorCode.Unavailable)
  sendTest(@UuidParam('id', WEBHOOK_ID) id: string, @CurrentActor() actor: Actor): Promise<WebhookTestDto> {
    return this.endpoints.sendTest(actor, id);
  }

  @Get(':id/deliveries')
  @ApiOperation({
    summary: "List a webhook endpoint's deliveries",
    description: "Admin only. Newest first, in pages (`nextCursor`), with status, attempts, the receiver's last status and the first KiB of its answer.",
  })
  @ApiOkResponse({ type: WebhookDeliveryPageDto, description: 'A page of deliveries, newest first' })
  @ApiErrors(WebhookErrorCode.EndpointNotFound)
  listDeliveries(@UuidParam('id', WEBHOOK_ID) id: string, @QueryParams() query: ListDeliveriesQuery): Promise<WebhookDeliveryPageDto> {
    return this.deliveries.list(id, query);
  }

  @Post(':id/deliveries/:deliveryId/redeliver')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Deliver an event again',
    description: 'Admin only. A new delivery of the same event (same `webhook-id`) at the end of the endpoint queue; the old one stays as it was.',
  })
  @ApiAcceptedResponse({ type: WebhookDeliveryDto, description: 'The new delivery, queued' })
  @ApiErrors(WebhookErrorCode.EndpointNotFound, WebhookErrorCode.DeliveryNotFound, AuditErrorCode.Unavailable)
  redeliver(
    // Pipes run last parameter first: the endpoint id, first in the path, is named first when both are malformed.
    @UuidParam('deliveryId', 'The delivery id') deliveryId: string,
    @UuidParam('id', WEBHOOK_ID) id: string,
    @CurrentActor() actor: Actor,
  ): Promise<WebhookDeliveryDto> {
    return this.deliveries.redeliver(actor, id, deliveryId);
  }
}
