import { useState } from 'preact/hooks';
import { principals } from '../api/broker';
import { IssuedPrincipalSecret, Principal, ROLES } from '../api/types';
import { useAction, useManagedList } from '../hooks';
import { href, queryObject } from '../router';
import { Badge, EnabledBadge } from '../ui/badges';
import { anyOf, ConfirmButton, Field, fieldError, FilterBar, FilterSelect, formValues, Select, SubmitButton, TextInput } from '../ui/forms';
import { DefinitionList, EmptyState, ErrorNotice, PageFrame, Section } from '../ui/layout';
import { TenantLink } from '../ui/names';
import { OneTimeSecret } from '../ui/one-time-secret';
import { PagedTable } from '../ui/table';
import { Time } from '../ui/time';

/** A secret shown once, with whose it is. Kept in this page's state only until dismissed. */
type Shown = { issued: IssuedPrincipalSecret; name: string };

export function PrincipalsPage({ query }: { query: URLSearchParams }) {
  const filters = queryObject(query, ['role']);
  const [creating, setCreating] = useState(false);
  const [shown, setShown] = useState<Shown>();
  const { list, managing, setManaging, changed } = useManagedList((cursor) => principals.list({ ...filters, cursor }), JSON.stringify(filters));
  return (
    <PageFrame
      title="Principals"
      subtitle="Who may call the broker: admins (everything) and services (the tenants they are granted). Each logs in with a client ID and secret."
      actions={
        <button type="button" class="primary" onClick={() => setCreating(!creating)} aria-expanded={creating}>
          New principal
        </button>
      }
    >
      {shown && <OneTimeSecret issued={shown.issued} principalName={shown.name} onDismiss={() => setShown(undefined)} />}
      {creating && (
        <CreatePrincipal
          onCreated={(principal, issued) => {
            setCreating(false);
            setShown({ issued, name: principal.name });
            changed(principal);
          }}
          onCancel={() => setCreating(false)}
        />
      )}
      <FilterBar label="Filter principals" path="/principals" filtered={Boolean(filters.role)}>
        {(apply) => <FilterSelect label="Role" name="role" value={filters.role} apply={apply} options={anyOf(ROLES)} />}
      </FilterBar>
      <div class={managing ? 'split' : undefined}>
        <PagedTable<Principal>
          list={list}
          what="principals"
          caption="Principals"
          rowKey={(principal) => principal.id}
          selected={managing?.id}
          columns={[
            { header: 'Name', cell: (principal) => principal.name },
            { header: 'Role', cell: (principal) => <Badge tone={principal.role === 'admin' ? 'info' : 'muted'}>{principal.role}</Badge> },
            { header: 'Client ID', kind: 'code', cell: (principal) => principal.clientId },
            { header: 'Tenants', cell: (principal) => grantsText(principal) },
            { header: 'State', cell: (principal) => <EnabledBadge enabled={principal.enabled} /> },
            { header: 'Created', cell: (principal) => <Time iso={principal.createdAt} /> },
            {
              header: 'Manage',
              cell: (principal) => (
                <button type="button" class="link" onClick={() => setManaging(principal)} aria-label={`Manage ${principal.name}`}>
                  Manage
                </button>
              ),
            },
          ]}
          empty={
            filters.role ? (
              <EmptyState title={`No ${filters.role} principals.`}>
                <a href={href('/principals')}>Show every role</a>
              </EmptyState>
            ) : (
              <EmptyState title="No principals.">Create one for each internal service with New principal.</EmptyState>
            )
          }
        />
        {managing && (
          <ManagePrincipal
            key={managing.id}
            principal={managing}
            onChanged={changed}
            onRotated={(issued) => setShown({ issued, name: managing.name })}
            onClose={() => setManaging(undefined)}
          />
        )}
      </div>
    </PageFrame>
  );
}

function grantsText(principal: Principal): string {
  if (principal.role === 'admin') return 'all (admin)';
  if (principal.tenantGrants.includes('*')) return 'all tenants';
  return principal.tenantGrants.length === 0 ? 'none' : `${principal.tenantGrants.length} tenant${principal.tenantGrants.length === 1 ? '' : 's'}`;
}

/** Grants as a form gives them: "all", or tenant ids one per line (commas work too). */
function grantsFrom(values: Record<string, string | undefined>): string[] {
  if (values.grantScope === 'all') return ['*'];
  return (values.tenantIds ?? '')
    .split(/[\s,]+/)
    .map((id) => id.trim())
    .filter(Boolean);
}

function GrantFields({ principal, error }: { principal?: Principal; error?: Error }) {
  const all = principal ? principal.tenantGrants.includes('*') : true;
  const [scope, setScope] = useState(all ? 'all' : 'some');
  return (
    <fieldset class="choice">
      <legend>Tenants a service may get tokens for</legend>
      <label>
        <input type="radio" name="grantScope" value="all" checked={scope === 'all'} onChange={() => setScope('all')} /> all tenants
      </label>
      <label>
        <input type="radio" name="grantScope" value="some" checked={scope === 'some'} onChange={() => setScope('some')} /> only these
      </label>
      {scope === 'some' && (
        <Field label="Tenant ids" hint="One per line; copy them from the tenants' pages. Empty: no tenant." error={error}>
          {(props) => (
            <textarea {...props} name="tenantIds" rows={4} defaultValue={principal ? principal.tenantGrants.filter((grant) => grant !== '*').join('\n') : ''} />
          )}
        </Field>
      )}
    </fieldset>
  );
}

function CreatePrincipal({ onCreated, onCancel }: { onCreated: (principal: Principal, issued: IssuedPrincipalSecret) => void; onCancel: () => void }) {
  const create = useAction(principals.create);
  const [role, setRole] = useState('service');
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const values = formValues(form);
    const created = await create.run({
      name: values.name ?? '',
      role,
      ...(role === 'service' ? { tenantGrants: grantsFrom(values) } : {}),
      ...(values.externalSubject ? { externalSubject: values.externalSubject } : {}),
    });
    if (created) {
      const { clientSecret, ...principal } = created;
      onCreated(principal, { clientId: created.clientId, clientSecret });
    }
  };
  const error = (name: string) => fieldError(create.error, name);
  return (
    <Section title="Create a principal" id="new-principal">
      <form class="form-grid" onSubmit={submit} noValidate>
        <Field label="Name" hint="Who calls: submission-worker, erp-connector." error={error('name')}>
          {(props) => <TextInput {...props} name="name" required maxLength={200} />}
        </Field>
        <Field label="Role" error={error('role')}>
          {(props) => (
            <Select
              {...props}
              name="role"
              value={role}
              onChange={(event) => setRole(event.currentTarget.value)}
              options={[
                ['service', 'service: tokens for granted tenants'],
                ['admin', 'admin: everything, this console included'],
              ]}
            />
          )}
        </Field>
        {role === 'service' && <GrantFields error={error('tenantGrants')} />}
        <Field label="External subject (optional)" hint="Its id in your own identity provider, if it logs in there instead." error={error('externalSubject')}>
          {(props) => <TextInput {...props} name="externalSubject" maxLength={255} />}
        </Field>
        <ErrorNotice
          error={create.error && !['name', 'role', 'tenantGrants', 'externalSubject'].some((name) => error(name)) ? create.error : undefined}
          action="Creating the principal"
        />
        <div class="form-buttons">
          <SubmitButton busy={create.busy}>Create principal</SubmitButton>
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </Section>
  );
}

function ManagePrincipal({
  principal,
  onChanged,
  onRotated,
  onClose,
}: {
  principal: Principal;
  onChanged: (principal?: Principal) => void;
  onRotated: (issued: IssuedPrincipalSecret) => void;
  onClose: () => void;
}) {
  const update = useAction((body: { name?: string; enabled?: boolean }) => principals.update(principal.id, body));
  const rotate = useAction(() => principals.rotateSecret(principal.id));
  const grants = useAction((tenantGrants: string[]) => principals.replaceGrants(principal.id, tenantGrants));
  const remove = useAction(() => principals.remove(principal.id).then(() => true));
  const rename = async (event: Event) => {
    event.preventDefault();
    const next = await update.run({ name: formValues(event.currentTarget as HTMLFormElement).name ?? '' });
    if (next) onChanged(next);
  };
  const saveGrants = async (event: Event) => {
    event.preventDefault();
    const next = await grants.run(grantsFrom(formValues(event.currentTarget as HTMLFormElement)));
    if (next) onChanged(next);
  };
  return (
    <aside class="card detail" aria-labelledby="manage-heading">
      <div class="card-head">
        <h2 id="manage-heading">{principal.name}</h2>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
      <DefinitionList
        items={[
          ['Client ID', <code>{principal.clientId}</code>],
          ['Role', principal.role],
          ['State', <EnabledBadge enabled={principal.enabled} />],
          ['External subject', principal.externalSubject ?? '—'],
          ['Changed', <Time iso={principal.updatedAt} exact />],
        ]}
      />
      <form class="form-stack" onSubmit={rename} noValidate>
        <Field label="Name" error={fieldError(update.error, 'name')}>
          {(props) => <TextInput {...props} name="name" defaultValue={principal.name} maxLength={200} />}
        </Field>
        <div class="form-buttons">
          <SubmitButton busy={update.busy}>Rename</SubmitButton>
        </div>
      </form>
      <div class="row">
        <ConfirmButton
          tone="plain"
          confirmText="The current secret and its tokens stop working at once."
          onConfirm={async () => {
            const issued = await rotate.run();
            if (issued) {
              onRotated(issued);
              onChanged(principal);
            }
          }}
          busy={rotate.busy}
        >
          Rotate secret
        </ConfirmButton>
        {principal.enabled ? (
          <ConfirmButton
            confirmText="It is refused at once, even with a token."
            onConfirm={async () => {
              const next = await update.run({ enabled: false });
              if (next) onChanged(next);
            }}
            busy={update.busy}
          >
            Disable
          </ConfirmButton>
        ) : (
          <button
            type="button"
            onClick={async () => {
              const next = await update.run({ enabled: true });
              if (next) onChanged(next);
            }}
            disabled={update.busy}
          >
            Enable
          </button>
        )}
      </div>
      <ErrorNotice error={rotate.error} action="Rotating the secret" />
      <ErrorNotice error={update.error && !fieldError(update.error, 'name') ? update.error : undefined} action="Saving" />
      {principal.role === 'service' && (
        <>
          <h3>Grants</h3>
          {principal.tenantGrants.length > 0 && !principal.tenantGrants.includes('*') && (
            <ul class="grants">
              {principal.tenantGrants.map((id) => (
                <li key={id}>
                  <TenantLink id={id} />
                </li>
              ))}
            </ul>
          )}
          <form class="form-stack" onSubmit={saveGrants} noValidate key={principal.updatedAt}>
            <GrantFields principal={principal} error={fieldError(grants.error, 'tenantGrants')} />
            <ErrorNotice error={grants.error && !fieldError(grants.error, 'tenantGrants') ? grants.error : undefined} action="Saving the grants" />
            <div class="form-buttons">
              <SubmitButton busy={grants.busy}>Save grants</SubmitButton>
            </div>
          </form>
        </>
      )}
      <h3>Delete</h3>
      <ConfirmButton
        confirmText={`Delete ${principal.name}? It is refused at once.`}
        onConfirm={async () => {
          if (await remove.run()) onChanged(undefined);
        }}
        busy={remove.busy}
      >
        Delete principal
      </ConfirmButton>
      <ErrorNotice error={remove.error} action="Deleting" />
    </aside>
  );
}
