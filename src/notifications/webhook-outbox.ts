import { randomUUID } from 'node:crypto';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { AppendedEvent } from '../audit/audit-chain';
import type { AuditEventInput } from '../audit/audit-event.input';
import { AuditService } from '../audit/audit.service';
import { payloadOf } from './webhook-event-types';

/**
 * The outbox: every audit event whose action is a webhook event type becomes an event row and
 * one delivery per endpoint that wants it, in the audit event's own transaction (the audit
 * service hands it over), so an event is sent if and only if what caused it committed. As the
 * audit chain's lock is held until that commit, deliveries are numbered in commit order.
 */
@Injectable()
export class WebhookOutbox implements OnModuleInit {
  constructor(private readonly audit: AuditService) {}

  onModuleInit(): void {
    this.audit.follow((manager, event, appended) => this.enqueue(manager, event, appended));
  }

  /** The test event goes to the endpoint it names only, whatever types that endpoint subscribes to. */
  private async enqueue(manager: EntityManager, event: AuditEventInput, appended: AppendedEvent): Promise<void> {
    const id = randomUUID();
    const payload = payloadOf(id, event, appended);
    if (!payload) return;
    const onlyEndpoint = payload.type === 'webhook.test' ? (event.target?.id ?? null) : null;
    await manager.query(`INSERT INTO webhook_events (id, type, occurred_at, audit_seq, payload) VALUES ($1, $2, $3, $4, $5)`, [
      id,
      payload.type,
      payload.occurredAt,
      payload.auditSeq,
      JSON.stringify(payload),
    ]);
    await manager.query(
      `INSERT INTO webhook_deliveries (id, endpoint_id, event_id, next_attempt_at, created_at)
       SELECT gen_random_uuid(), e.id, $1, now(), now() FROM webhook_endpoints e
        WHERE CASE WHEN $3::uuid IS NULL THEN e.enabled AND (e.event_types IS NULL OR $2 = ANY(e.event_types)) ELSE e.id = $3::uuid END
        ORDER BY e.created_at, e.id`,
      [id, payload.type, onlyEndpoint],
    );
  }
}
