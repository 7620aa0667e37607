import type { AuditEventInput } from '../audit/audit-event.input';
import type { AppendedEvent } from '../audit/audit-chain';

/** Every event a webhook may carry; each is also the audit action it comes from. */
export const WEBHOOK_EVENT_TYPES = [
  'credential.invalidated',
  'credential.recovered',
  'credential.degraded',
  'credential.restored',
  'credential.secret_expiring',
  'budget.tokens_at_risk',
  'audit.unavailable',
  'audit.available',
  'audit.checkpoint',
  'webhook.test',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

const NOTIFIED = new Set<string>(WEBHOOK_EVENT_TYPES);

/** The body of a webhook: what an event says, never a secret or a token (audit details are already sanitised of both). */
export interface WebhookPayload {
  id: string;
  type: WebhookEventType;
  occurredAt: string;
  tenantId: string | null;
  credentialId: string | null;
  auditSeq: string;
  data: Record<string, unknown>;
}

/** The webhook an audit event becomes, or null when its action is not one that is sent. */
export function payloadOf(id: string, event: AuditEventInput, appended: AppendedEvent): WebhookPayload | null {
  if (!NOTIFIED.has(event.action)) return null;
  return {
    id,
    type: event.action as WebhookEventType,
    occurredAt: appended.occurredAt,
    tenantId: event.tenantId ?? null,
    credentialId: event.target?.type === 'credential' ? event.target.id : null,
    auditSeq: appended.seq,
    data: JSON.parse(JSON.stringify(event.details ?? {})) as Record<string, unknown>,
  };
}
