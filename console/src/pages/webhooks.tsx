import { useState } from 'preact/hooks';
import { webhooks } from '../api/broker';
import { WEBHOOK_EVENT_TYPES, WebhookDelivery, WebhookEndpoint } from '../api/types';
import { useAction, useManagedList, usePaged } from '../hooks';
import { Badge, EnabledBadge, Tone } from '../ui/badges';
import { ConfirmButton, Field, fieldError, formValues, SubmitButton, TextInput } from '../ui/forms';
import { DefinitionList, EmptyState, ErrorNotice, Notice, PageFrame, Section } from '../ui/layout';
import { SecretOnce } from '../ui/one-time-secret';
import { PagedTable } from '../ui/table';
import { Time } from '../ui/time';

/** A signing secret shown once, with whose it is. Kept in this page's state only until dismissed. */
type Shown = { secret: string; url: string };

const DELIVERY_TONE: Record<WebhookDelivery['status'], Tone> = { delivered: 'ok', pending: 'warn', failed: 'bad' };

export function WebhooksPage() {
  const [creating, setCreating] = useState(false);
  const [shown, setShown] = useState<Shown>();
  const { list, managing, setManaging, changed } = useManagedList((cursor) => webhooks.list({ cursor }), 'webhooks');
  return (
    <PageFrame
      title="Webhooks"
      subtitle="Where the broker pushes what needs a person: refused and failing credentials, expiring secrets, budgets at risk, the audit log and its signed checkpoints."
      actions={
        <button type="button" class="primary" onClick={() => setCreating(!creating)} aria-expanded={creating}>
          New endpoint
        </button>
      }
    >
      {shown && (
        <SecretOnce
          heading="Copy the signing secret now"
          warning={
            <>
              <strong>It will not be shown again.</strong> Receivers verify every delivery with it (Standard Webhooks); if it is lost, rotate it.
            </>
          }
          facts={[['Endpoint', shown.url]]}
          secretLabel="Signing secret"
          secret={shown.secret}
          onDismiss={() => setShown(undefined)}
        />
      )}
      {creating && (
        <CreateEndpoint
          onCreated={(endpoint, secret) => {
            setCreating(false);
            setShown({ secret, url: endpoint.url });
            changed(endpoint);
          }}
          onCancel={() => setCreating(false)}
        />
      )}
      <div class={managing ? 'split' : undefined}>
        <PagedTable<WebhookEndpoint>
          list={list}
          what="webhook endpoints"
          caption="Webhook endpoints"
          rowKey={(endpoint) => endpoint.id}
          selected={managing?.id}
          columns={[
            { header: 'URL', kind: 'code', cell: (endpoint) => endpoint.url },
            { header: 'Events', cell: (endpoint) => (endpoint.eventTypes ? endpoint.eventTypes.join(', ') : 'all') },
            { header: 'State', cell: (endpoint) => <EnabledBadge enabled={endpoint.enabled} /> },
            { header: 'Created', cell: (endpoint) => <Time iso={endpoint.createdAt} /> },
            {
              header: 'Manage',
              cell: (endpoint) => (
                <button type="button" class="link" onClick={() => setManaging(endpoint)} aria-label={`Manage ${endpoint.url}`}>
                  Manage
                </button>
              ),
            },
          ]}
          empty={<EmptyState title="No webhook endpoints.">Add the platform team's receiver with New endpoint.</EmptyState>}
        />
        {managing && (
          <ManageEndpoint
            key={managing.id}
            endpoint={managing}
            onChanged={changed}
            onRotated={(secret) => setShown({ secret, url: managing.url })}
            onClose={() => setManaging(undefined)}
          />
        )}
      </div>
    </PageFrame>
  );
}

function CreateEndpoint({ onCreated, onCancel }: { onCreated: (endpoint: WebhookEndpoint, secret: string) => void; onCancel: () => void }) {
  const create = useAction(webhooks.create);
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const values = formValues(form);
    const chosen = [...form.querySelectorAll<HTMLInputElement>('input[name="eventType"]:checked')].map((input) => input.value);
    const created = await create.run({
      url: values.url ?? '',
      ...(chosen.length > 0 ? { eventTypes: chosen } : {}),
      ...(values.description ? { description: values.description } : {}),
    });
    if (created) {
      const { secret, ...endpoint } = created;
      onCreated(endpoint, secret);
    }
  };
  const error = (name: string) => fieldError(create.error, name);
  return (
    <Section title="Add a webhook endpoint" id="new-webhook">
      <form class="form-grid" onSubmit={submit} noValidate>
        <Field label="URL" hint="https; the broker refuses loopback and link-local addresses." error={error('url')}>
          {(props) => <TextInput {...props} name="url" required maxLength={2048} placeholder="https://hooks.example.com/broker" />}
        </Field>
        <Field label="Description (optional)" error={error('description')}>
          {(props) => <TextInput {...props} name="description" maxLength={500} />}
        </Field>
        <fieldset class="choice">
          <legend>Events (none chosen: every event)</legend>
          {WEBHOOK_EVENT_TYPES.map((type) => (
            <label key={type}>
              <input type="checkbox" name="eventType" value={type} /> <code>{type}</code>
            </label>
          ))}
        </fieldset>
        <ErrorNotice
          error={create.error && !['url', 'description', 'eventTypes'].some((name) => error(name)) ? create.error : undefined}
          action="Adding the endpoint"
        />
        <div class="form-buttons">
          <SubmitButton busy={create.busy}>Add endpoint</SubmitButton>
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </Section>
  );
}

function ManageEndpoint({
  endpoint,
  onChanged,
  onRotated,
  onClose,
}: {
  endpoint: WebhookEndpoint;
  onChanged: (endpoint?: WebhookEndpoint) => void;
  onRotated: (secret: string) => void;
  onClose: () => void;
}) {
  const [version, setVersion] = useState(0);
  const update = useAction((body: { enabled: boolean }) => webhooks.update(endpoint.id, body));
  const rotate = useAction(() => webhooks.rotateSecret(endpoint.id));
  const test = useAction(() => webhooks.sendTest(endpoint.id));
  const redeliver = useAction((deliveryId: string) => webhooks.redeliver(endpoint.id, deliveryId));
  const remove = useAction(() => webhooks.remove(endpoint.id).then(() => true));
  const deliveries = usePaged((cursor) => webhooks.deliveries(endpoint.id, { cursor, limit: 20 }), `${endpoint.id}/${version}`);
  const refresh = () => setVersion((value) => value + 1);
  return (
    <aside class="card detail" aria-labelledby="manage-webhook-heading">
      <div class="card-head">
        <h2 id="manage-webhook-heading">Endpoint</h2>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
      <DefinitionList
        items={[
          ['URL', <code>{endpoint.url}</code>],
          ['Events', endpoint.eventTypes ? endpoint.eventTypes.join(', ') : 'all'],
          ['State', <EnabledBadge enabled={endpoint.enabled} />],
          ['Disabled because', endpoint.disabledReason ?? '—'],
          ['Old secret signs until', <Time iso={endpoint.previousSecretValidUntil} exact />],
          ['Description', endpoint.description ?? '—'],
        ]}
      />
      <div class="row">
        <button
          type="button"
          onClick={async () => {
            if (await test.run()) refresh();
          }}
          disabled={test.busy}
        >
          Send a test event
        </button>
        <ConfirmButton
          tone="plain"
          confirmText="The old secret keeps signing beside the new one for the grace period."
          onConfirm={async () => {
            const issued = await rotate.run();
            if (issued) {
              onRotated(issued.secret);
              onChanged(await webhooks.get(endpoint.id).catch(() => endpoint));
            }
          }}
          busy={rotate.busy}
        >
          Rotate secret
        </ConfirmButton>
        <button
          type="button"
          onClick={async () => {
            const next = await update.run({ enabled: !endpoint.enabled });
            if (next) onChanged(next);
          }}
          disabled={update.busy}
        >
          {endpoint.enabled ? 'Disable' : 'Enable'}
        </button>
      </div>
      {test.result && <Notice tone="info">Test event queued.</Notice>}
      <ErrorNotice error={test.error} action="Sending a test" />
      <ErrorNotice error={rotate.error} action="Rotating the secret" />
      <ErrorNotice error={update.error} action="Saving" />
      <h3>Deliveries</h3>
      <button type="button" onClick={refresh}>
        Refresh deliveries
      </button>
      <PagedTable<WebhookDelivery>
        list={deliveries}
        what="deliveries"
        caption="Deliveries, newest first"
        rowKey={(delivery) => delivery.id}
        columns={[
          { header: 'Event', kind: 'code', cell: (delivery) => delivery.eventType },
          { header: 'Status', cell: (delivery) => <Badge tone={DELIVERY_TONE[delivery.status]}>{delivery.status}</Badge> },
          { header: 'Attempts', kind: 'number', cell: (delivery) => delivery.attempts },
          { header: 'Last answer', cell: (delivery) => (delivery.lastStatus !== null ? `HTTP ${delivery.lastStatus}` : (delivery.lastError ?? '—')) },
          { header: 'Created', cell: (delivery) => <Time iso={delivery.createdAt} /> },
          {
            header: 'Again',
            cell: (delivery) => (
              <button
                type="button"
                class="link"
                aria-label={`Redeliver ${delivery.eventType} ${delivery.id}`}
                onClick={async () => {
                  if (await redeliver.run(delivery.id)) refresh();
                }}
              >
                Redeliver
              </button>
            ),
          },
        ]}
        empty={<EmptyState title="Nothing delivered yet.">Send a test event to see one.</EmptyState>}
      />
      <ErrorNotice error={redeliver.error} action="Redelivering" />
      <h3>Delete</h3>
      <ConfirmButton
        confirmText="Delete this endpoint and its deliveries?"
        onConfirm={async () => {
          if (await remove.run()) onChanged(undefined);
        }}
        busy={remove.busy}
      >
        Delete endpoint
      </ConfirmButton>
      <ErrorNotice error={remove.error} action="Deleting" />
    </aside>
  );
}
