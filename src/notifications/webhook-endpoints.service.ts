import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Actor } from '../common/actor';
import { AuditService } from '../audit/audit.service';
import { changesOf } from '../common/changes';
import { ValidationFailedError } from '../common/domain-error';
import { Page, PageQueryDto, pageByCreation, toCreationPage } from '../common/pagination';
import { AppConfig } from '../config/app-config';
import { CreateWebhookDto, UpdateWebhookDto } from './dto/webhook-endpoint-input.dto';
import { WebhookEndpointDto, WebhookEndpointWithSecretDto, WebhookSecretDto, WebhookTestDto } from './dto/webhook-endpoint.dto';
import { WebhookError } from './notifications.errors';
import { WebhookEndpoint } from './webhook-endpoint.entity';
import { newSigningSecret, WebhookSecrets } from './webhook-secrets';
import { urlProblem } from './webhook-url';

/** Webhook endpoints: saved with their URL checked, their secret shown once and sealed, every change audited. */
@Injectable()
export class WebhookEndpointsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly secrets: WebhookSecrets,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  async create(actor: Actor, input: CreateWebhookDto): Promise<WebhookEndpointWithSecretDto> {
    this.checkUrl(input.url);
    const id = randomUUID();
    const secret = newSigningSecret();
    const sealed = await this.secrets.sealNew(id, secret);
    return this.dataSource.transaction(async (manager) => {
      const saved = await manager.save(
        Object.assign(new WebhookEndpoint(), {
          id,
          url: input.url,
          description: input.description ?? null,
          eventTypes: input.eventTypes ?? null,
          enabled: input.enabled ?? true,
          disabledReason: null,
          previousSecretUntil: null,
          ...sealed,
        }),
      );
      await this.record(manager, actor, 'webhook.created', id, { url: saved.url, eventTypes: saved.eventTypes, enabled: saved.enabled });
      return { ...map(saved), secret };
    });
  }

  async list(query: PageQueryDto): Promise<Page<WebhookEndpointDto>> {
    const qb = this.dataSource.getRepository(WebhookEndpoint).createQueryBuilder('w');
    const rows = await pageByCreation(qb, 'w', query).getMany();
    return toCreationPage(rows, query, map);
  }

  async get(id: string): Promise<WebhookEndpointDto> {
    return map(await this.find(this.dataSource.manager, id));
  }

  async update(actor: Actor, id: string, changes: UpdateWebhookDto): Promise<WebhookEndpointDto> {
    if (Object.values(changes).every((value) => value === undefined)) {
      throw ValidationFailedError.field('body', 'nothing to update: give url, eventTypes, description and/or enabled');
    }
    if (changes.url !== undefined) this.checkUrl(changes.url);
    return this.dataSource.transaction(async (manager) => {
      const endpoint = await this.find(manager, id, true);
      const before = { ...endpoint };
      if (changes.url !== undefined) endpoint.url = changes.url;
      if (changes.eventTypes !== undefined) endpoint.eventTypes = changes.eventTypes;
      if (changes.description !== undefined) endpoint.description = changes.description;
      if (changes.enabled !== undefined) {
        endpoint.enabled = changes.enabled;
        endpoint.disabledReason = null;
      }
      const saved = await manager.save(endpoint);
      await this.record(manager, actor, 'webhook.updated', id, { changes: changesOf(before, saved, ['url', 'eventTypes', 'description', 'enabled']) });
      return map(saved);
    });
  }

  async remove(actor: Actor, id: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const endpoint = await this.find(manager, id, true);
      await manager.delete(WebhookEndpoint, { id });
      await this.record(manager, actor, 'webhook.deleted', id, { url: endpoint.url });
    });
    this.secrets.forget(id);
  }

  /** A new secret, shown once; the old one signs beside it for WEBHOOK_SECRET_GRACE_HOURS, so receivers can switch without losing a delivery. */
  async rotateSecret(actor: Actor, id: string): Promise<WebhookSecretDto> {
    const secret = newSigningSecret();
    return this.dataSource.transaction(async (manager) => {
      const endpoint = await this.find(manager, id, true);
      const rotated = await this.secrets.rotate(id, endpoint, secret);
      const graceMs = this.config.webhooks.secretGraceHours * 3_600_000;
      Object.assign(endpoint, rotated, { previousSecretUntil: graceMs > 0 ? new Date(Date.now() + graceMs) : null });
      const saved = await manager.save(endpoint);
      await this.record(manager, actor, 'webhook.secret_rotated', id, { previousSecretValidUntil: saved.previousSecretUntil });
      return { secret, previousSecretValidUntil: saved.previousSecretUntil?.toISOString() ?? null };
    });
  }

  /** A `webhook.test` event to this endpoint only, through the outbox like any other. */
  async sendTest(actor: Actor, id: string): Promise<WebhookTestDto> {
    return this.dataSource.transaction(async (manager) => {
      await this.find(manager, id);
      await this.record(manager, actor, 'webhook.test', id, { message: 'A test event sent on request' });
      const [row] = (await manager.query(`SELECT d.id, d.event_id FROM webhook_deliveries d WHERE d.endpoint_id = $1 ORDER BY d.seq DESC LIMIT 1`, [
        id,
      ])) as Array<{ id: string; event_id: string }>;
      return { eventId: row.event_id, deliveryId: row.id };
    });
  }

  /** Refused with a 400 naming `url`; the resolved address is judged again at each delivery. */
  private checkUrl(url: string): void {
    const problem = urlProblem(url, this.config.webhooks);
    if (problem) throw ValidationFailedError.field('url', problem);
  }

  async find(manager: EntityManager, id: string, forUpdate = false): Promise<WebhookEndpoint> {
    const endpoint = await manager.findOne(WebhookEndpoint, { where: { id }, ...(forUpdate ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
    if (!endpoint) throw WebhookError.endpointNotFound(id);
    return endpoint;
  }

  private async record(manager: EntityManager, actor: Actor, action: string, id: string, details: Record<string, unknown>): Promise<void> {
    await this.audit.record(manager, { actor, action, target: { type: 'webhook', id }, details });
  }
}

function map(endpoint: WebhookEndpoint): WebhookEndpointDto {
  const inGrace = endpoint.previousSecretUntil !== null && endpoint.previousSecretUntil.getTime() > Date.now();
  return {
    id: endpoint.id,
    url: endpoint.url,
    description: endpoint.description,
    eventTypes: endpoint.eventTypes,
    enabled: endpoint.enabled,
    disabledReason: endpoint.disabledReason,
    previousSecretValidUntil: inGrace ? endpoint.previousSecretUntil!.toISOString() : null,
    createdAt: endpoint.createdAt.toISOString(),
    updatedAt: endpoint.updatedAt.toISOString(),
  };
}
