import { webhooks } from '../api/broker';
import type { WebhookDelivery, WebhookEndpoint } from '../api/types';
import { useLoad } from '../hooks';
import { href } from '../router';
import { EmptyState, LoadState, Section } from '../ui/layout';
import { DataTable } from '../ui/table';
import { Time } from '../ui/time';

/** A failed delivery, or (without one) an endpoint the broker disabled. */
type Undelivered = { endpoint: WebhookEndpoint; delivery?: WebhookDelivery };

/** Attention's section on webhooks: failed deliveries and endpoints the broker disabled, each linking to the Webhooks page. */
export function UndeliveredWebhooks() {
  const loaded = useLoad(async () => {
    const endpoints = (await webhooks.list({ limit: 200 })).items;
    const failed = await Promise.all(
      endpoints.map(async (endpoint) =>
        (await webhooks.deliveries(endpoint.id, { status: 'failed', limit: 20 })).items.map((delivery) => ({ endpoint, delivery })),
      ),
    );
    return { disabled: endpoints.filter((endpoint) => endpoint.disabledReason), failed: failed.flat() };
  }, []);
  const count = (loaded.data?.failed.length ?? 0) + (loaded.data?.disabled.length ?? 0);
  return (
    <Section title="Undelivered webhooks" id="undelivered-webhooks" tone={count > 0 ? 'warn' : undefined}>
      <LoadState loaded={loaded} what="webhook deliveries">
        {(data) => (
          <DataTable<Undelivered>
            caption="Webhook deliveries that failed, and endpoints the broker disabled"
            rows={[...data.disabled.map((endpoint) => ({ endpoint })), ...data.failed]}
            rowKey={(row) => row.delivery?.id ?? row.endpoint.id}
            columns={[
              { header: 'Endpoint', cell: (row) => <a href={href('/webhooks')}>{row.endpoint.url}</a> },
              {
                header: 'What',
                cell: (row) => (row.delivery ? `${row.delivery.eventType} failed after ${row.delivery.attempts} attempts` : row.endpoint.disabledReason),
              },
              {
                header: 'Last answer',
                cell: (row) => (row.delivery ? (row.delivery.lastStatus !== null ? `HTTP ${row.delivery.lastStatus}` : row.delivery.lastError) : '—'),
              },
              { header: 'When', cell: (row) => <Time iso={row.delivery?.lastAttemptAt ?? row.endpoint.updatedAt} /> },
            ]}
            empty={<EmptyState title="Every webhook was delivered." />}
          />
        )}
      </LoadState>
    </Section>
  );
}
