import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Actor } from '../common/actor';
import { AuditService } from '../audit/audit.service';
import { Cursor, DEFAULT_PAGE_SIZE, Page, toPage } from '../common/pagination';
import { ListDeliveriesQuery, WebhookDeliveryDto } from './dto/webhook-endpoint.dto';
import { WebhookError } from './notifications.errors';
import { WebhookEndpointsService } from './webhook-endpoints.service';

interface DeliveryRow {
  id: string;
  seq: string;
  event_id: string;
  type: string;
  status: WebhookDeliveryDto['status'];
  attempts: number;
  next_attempt_at: Date;
  last_attempt_at: Date | null;
  last_status: number | null;
  last_response: string | null;
  last_error: string | null;
  delivered_at: Date | null;
  created_at: Date;
}

const isSeqCursor = (value: unknown): value is { seq: string } =>
  typeof value === 'object' && value !== null && typeof (value as { seq?: unknown }).seq === 'string' && /^\d{1,18}$/.test((value as { seq: string }).seq);

const SELECT = `SELECT d.id, d.seq, d.event_id, ev.type, d.status, d.attempts, d.next_attempt_at, d.last_attempt_at, d.last_status, d.last_response,
                       d.last_error, d.delivered_at, d.created_at
                  FROM webhook_deliveries d JOIN webhook_events ev ON ev.id = d.event_id`;

/** An endpoint's deliveries, newest first, and a redelivery on request. */
@Injectable()
export class WebhookDeliveriesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly endpoints: WebhookEndpointsService,
    private readonly audit: AuditService,
  ) {}

  async list(endpointId: string, query: ListDeliveriesQuery): Promise<Page<WebhookDeliveryDto>> {
    await this.endpoints.find(this.dataSource.manager, endpointId);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const before = query.cursor ? Cursor.decode(query.cursor, isSeqCursor).seq : null;
    const rows = (await this.dataSource.query(
      `${SELECT} WHERE d.endpoint_id = $1 AND ($2::varchar IS NULL OR d.status = $2) AND ($3::bigint IS NULL OR d.seq < $3::bigint)
        ORDER BY d.seq DESC LIMIT $4`,
      [endpointId, query.status ?? null, before, limit + 1],
    )) as DeliveryRow[];
    return toPage(rows, limit, map, (row) => ({ seq: row.seq }));
  }

  /**
   * The same event again, at the end of the endpoint's queue, with the same `webhook-id` (so a
   * receiver that had it already can tell). The old delivery stays as it was, for the record.
   */
  async redeliver(actor: Actor, endpointId: string, deliveryId: string): Promise<WebhookDeliveryDto> {
    return this.dataSource.transaction(async (manager) => {
      await this.endpoints.find(manager, endpointId);
      const [original] = (await manager.query('SELECT event_id FROM webhook_deliveries WHERE id = $1 AND endpoint_id = $2', [
        deliveryId,
        endpointId,
      ])) as Array<{
        event_id: string;
      }>;
      if (!original) throw WebhookError.deliveryNotFound(deliveryId);
      const id = randomUUID();
      await manager.query(`INSERT INTO webhook_deliveries (id, endpoint_id, event_id, next_attempt_at, created_at) VALUES ($1, $2, $3, now(), now())`, [
        id,
        endpointId,
        original.event_id,
      ]);
      await this.audit.record(manager, {
        actor,
        action: 'webhook.redelivered',
        target: { type: 'webhook', id: endpointId },
        details: { deliveryId: id, of: deliveryId, eventId: original.event_id },
      });
      const [row] = (await manager.query(`${SELECT} WHERE d.id = $1`, [id])) as DeliveryRow[];
      return map(row);
    });
  }
}

function map(row: DeliveryRow): WebhookDeliveryDto {
  return {
    id: row.id,
    eventId: row.event_id,
    eventType: row.type,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.status === 'pending' ? row.next_attempt_at.toISOString() : null,
    lastAttemptAt: row.last_attempt_at?.toISOString() ?? null,
    lastStatus: row.last_status,
    lastResponse: row.last_response,
    lastError: row.last_error,
    deliveredAt: row.delivered_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
  };
}
