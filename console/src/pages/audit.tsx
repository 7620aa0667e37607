import { useEffect, useRef, useState } from 'preact/hooks';
import { audit, principals } from '../api/broker';
import type { AuditEvent, ChainVerification } from '../api/types';
import { useAction, useLoad, usePaged } from '../hooks';
import { href, navigate, queryObject } from '../router';
import { Badge, Tone } from '../ui/badges';
import { formatTime, isoToLocalInput, localInputToIso } from '../ui/format';
import { Field, formValues, Select, TextInput } from '../ui/forms';
import { DefinitionList, EmptyState, ErrorNotice, Notice, PageFrame, Section } from '../ui/layout';
import { TenantLink } from '../ui/names';
import { PagedTable } from '../ui/table';
import { Time } from '../ui/time';
import { LatestCheckpoints } from './audit-checkpoints';

const FILTERS = ['tenantId', 'action', 'actorId', 'from', 'to'];

/** The actions the broker records, for the filter's suggestions; a prefix such as `credential.*` works too. */
const ACTIONS = [
  'tenant.*',
  'tenant.created',
  'tenant.updated',
  'tenant.deleted',
  'credential.*',
  'credential.created',
  'credential.updated',
  'credential.secret_rotated',
  'credential.deleted',
  'credential.invalidated',
  'credential.secret_expiring',
  'principal.*',
  'token.*',
  'token.issued',
  'token.invalidated',
  'upstream.*',
  'upstream.login_attempt',
  'upstream.login',
  'upstream.login_failed',
  'upstream.login_abandoned',
  'auth.*',
  'auth.login',
  'auth.denied',
  'auth.signing_key_rotated',
  'vault.rewrapped',
  'audit.purged',
];

/** "bootstrap admin", "refresher (system)", "anonymous". */
function actorText(actor: AuditEvent['actor']): string {
  return actor.type === 'principal' || actor.name === actor.type ? actor.name : `${actor.name} (${actor.type})`;
}

const OUTCOME: Record<AuditEvent['outcome'], Tone> = { success: 'ok', failure: 'bad', denied: 'warn' };

export function AuditPage({ query }: { query: URLSearchParams }) {
  const filters = queryObject(query, FILTERS);
  const list = usePaged((cursor) => audit.list({ ...filters, cursor }), JSON.stringify(filters));
  const people = useLoad(() => principals.list({ limit: 200 }), []);
  const [open, setOpen] = useState<AuditEvent>();
  const filtered = FILTERS.some((name) => filters[name]);

  const submit = (event: Event) => {
    event.preventDefault();
    const values = formValues(event.currentTarget as HTMLFormElement);
    navigate('/audit', { ...values, from: localInputToIso(values.from ?? ''), to: localInputToIso(values.to ?? '') }, { replace: true });
  };

  return (
    <PageFrame title="Audit" subtitle="Every change, token hand-out and login, newest first, in a hash chain that shows any edit.">
      <ChainCheck />
      <LatestCheckpoints />
      <form class="filters" aria-label="Filter audit events" onSubmit={submit} key={JSON.stringify(filters)}>
        <Field label="Tenant id">{(props) => <TextInput {...props} name="tenantId" defaultValue={filters.tenantId} />}</Field>
        <Field label="Action" hint="Exact, or a prefix such as credential.*">
          {(props) => (
            <>
              <TextInput {...props} name="action" defaultValue={filters.action} list="audit-actions" />
              <datalist id="audit-actions">
                {ACTIONS.map((action) => (
                  <option value={action} key={action} />
                ))}
              </datalist>
            </>
          )}
        </Field>
        <Field label="Actor">
          {(props) => (
            <Select
              {...props}
              name="actorId"
              initial={filters.actorId ?? ''}
              options={[
                ['', 'Anyone'],
                ...(people.data?.items ?? []).map((principal): [string, string] => [principal.id, `${principal.name} (${principal.role})`]),
              ]}
            />
          )}
        </Field>
        <Field label="From">{(props) => <input {...props} type="datetime-local" name="from" defaultValue={isoToLocalInput(filters.from)} />}</Field>
        <Field label="Until">{(props) => <input {...props} type="datetime-local" name="to" defaultValue={isoToLocalInput(filters.to)} />}</Field>
        <div class="filter-buttons">
          <button type="submit" class="primary">
            Filter
          </button>
          {filtered && (
            <a class="button" href={href('/audit')}>
              Clear
            </a>
          )}
        </div>
      </form>
      <div class={open ? 'split' : undefined}>
        <PagedTable<AuditEvent>
          list={list}
          what="events"
          caption="Audit events, newest first"
          rowKey={(event) => event.seq}
          selected={open?.seq}
          columns={[
            { header: 'Seq', kind: 'number', cell: (event) => event.seq },
            { header: 'When', cell: (event) => <Time iso={event.occurredAt} /> },
            { header: 'Actor', cell: (event) => actorText(event.actor) },
            { header: 'Action', kind: 'code', cell: (event) => event.action },
            { header: 'Outcome', cell: (event) => <Badge tone={OUTCOME[event.outcome]}>{event.outcome}</Badge> },
            { header: 'Tenant', cell: (event) => <TenantLink id={event.tenantId} /> },
            {
              header: 'Event',
              cell: (event) => (
                <button type="button" class="link" onClick={() => setOpen(event)} aria-label={`Open event ${event.seq}`}>
                  Open
                </button>
              ),
            },
          ]}
          empty={
            filtered ? (
              <EmptyState title="No event matches these filters.">
                Widen the time range or use a prefix (<code>token.*</code>). <a href={href('/audit')}>Clear the filters</a>
              </EmptyState>
            ) : (
              <EmptyState title="No events yet." />
            )
          }
        />
        {open && <EventDetail event={open} onClose={() => setOpen(undefined)} />}
      </div>
    </PageFrame>
  );
}

function EventDetail({ event, onClose }: { event: AuditEvent; onClose: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [event.seq]);
  return (
    <aside class="card detail" aria-labelledby="event-heading">
      <div class="card-head">
        <h2 id="event-heading" tabIndex={-1} ref={heading}>
          Event {event.seq}: <code>{event.action}</code>
        </h2>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
      <DefinitionList
        items={[
          ['When', formatTime(event.occurredAt)],
          ['Actor', `${event.actor.name} (${event.actor.type}${event.actor.id ? `, ${event.actor.id}` : ''})`],
          ['Outcome', <Badge tone={OUTCOME[event.outcome]}>{event.outcome}</Badge>],
          ['Tenant', <TenantLink id={event.tenantId} />],
          ['Target', event.target ? `${event.target.type} ${event.target.id}` : '—'],
          ['Request id', event.requestId ? <code>{event.requestId}</code> : '—'],
          ['Caller address', event.callerIp ?? '—'],
          ['Hash', <code class="hash">{event.hash}</code>],
          ['Previous hash', <code class="hash">{event.prevHash}</code>],
        ]}
      />
      <h3>Details</h3>
      <pre class="json">{JSON.stringify(event.details, null, 2)}</pre>
    </aside>
  );
}

function ChainCheck() {
  const verify = useAction(() => audit.verify());
  const result = verify.result as ChainVerification | undefined;
  return (
    <Section title="Chain" id="chain">
      <div class="row">
        <button type="button" class="primary" onClick={() => verify.run()} disabled={verify.busy} aria-busy={verify.busy}>
          {verify.busy ? 'Verifying…' : 'Verify the chain'}
        </button>
        <span class="hint">Recomputes every event's hash from the anchor to the head: an edited or removed event shows.</span>
      </div>
      <ErrorNotice error={verify.error} action="Verifying the chain" />
      {result &&
        (result.ok ? (
          <Notice tone="ok">
            <strong>The chain holds.</strong> {result.checked} events checked, from seq {result.anchorSeq === '0' ? 1 : result.anchorSeq} to the head at seq{' '}
            {result.headSeq}. Head hash <code class="hash">{result.headHash}</code>: keep it elsewhere as an outside witness.
          </Notice>
        ) : (
          <Notice tone="bad">
            <strong>The chain is broken</strong> at seq {result.firstBrokenSeq}: {result.reason}. {result.checked} events checked. Someone or something changed
            the audit log: treat it as an incident.
          </Notice>
        ))}
    </Section>
  );
}
