import { useState } from 'preact/hooks';
import { tenants } from '../api/broker';
import { ENVIRONMENTS, Tenant, TENANT_STATUSES } from '../api/types';
import { useAction, usePaged } from '../hooks';
import { href, navigate, queryObject } from '../router';
import { Badge, TenantStatusBadge } from '../ui/badges';
import { anyOf, Field, fieldError, FilterBar, FilterSelect, formValues, Select, SubmitButton, TextInput } from '../ui/forms';
import { EmptyState, ErrorNotice, PageFrame, Section } from '../ui/layout';
import { CredentialLink } from '../ui/names';
import { PagedTable } from '../ui/table';
import { Time } from '../ui/time';

const FILTERS = ['q', 'environment', 'status'];

/** What a search box holds, as the API's filter: a TIN-looking text searches by TIN, anything else by name. */
export function tenantSearch(text: string | undefined): { tin?: string; name?: string } {
  const value = text?.trim();
  if (!value) return {};
  const compact = value.replace(/\s+/g, '').toUpperCase();
  return /^(IG|C|CS|D|F|FA|PT|TA|TC|TN|TR|TP|J|LE|EI)\d{4,}$/.test(compact) ? { tin: compact } : { name: value };
}

export function TenantsPage({ query }: { query: URLSearchParams }) {
  const filters = queryObject(query, FILTERS);
  const [creating, setCreating] = useState(false);
  const list = usePaged(
    (cursor) => tenants.list({ ...tenantSearch(filters.q), environment: filters.environment, status: filters.status, cursor }),
    JSON.stringify(filters),
  );
  const filtered = FILTERS.some((name) => filters[name]);

  return (
    <PageFrame
      title="Tenants"
      subtitle="The taxpayers the broker logs in for: find one by TIN or name, register a new one, attach its credential."
      actions={
        <button type="button" class="primary" onClick={() => setCreating(!creating)} aria-expanded={creating}>
          New tenant
        </button>
      }
    >
      {creating && <CreateTenant onCancel={() => setCreating(false)} />}
      <FilterBar label="Filter tenants" path="/tenants" filtered={filtered} submitText="Search">
        {(apply) => (
          <>
            <Field label="TIN or name">
              {(props) => <TextInput {...props} key={filters.q ?? ''} name="q" defaultValue={filters.q} placeholder="C1234567890 or Syarikat" />}
            </Field>
            <FilterSelect label="Environment" name="environment" value={filters.environment} apply={apply} options={anyOf(ENVIRONMENTS)} />
            <FilterSelect label="Status" name="status" value={filters.status} apply={apply} options={anyOf(TENANT_STATUSES)} />
          </>
        )}
      </FilterBar>
      <PagedTable<Tenant>
        list={list}
        what="tenants"
        caption="Tenants"
        rowKey={(tenant) => tenant.id}
        columns={[
          { header: 'Name', cell: (tenant) => <a href={href(`/tenants/${tenant.id}`)}>{tenant.name}</a> },
          { header: 'TIN', kind: 'code', cell: (tenant) => tenant.tin },
          { header: 'BRN', kind: 'code', cell: (tenant) => tenant.brn ?? '—' },
          { header: 'Environment', cell: (tenant) => tenant.environment },
          { header: 'Status', cell: (tenant) => <TenantStatusBadge status={tenant.status} /> },
          {
            header: 'Credential',
            cell: (tenant) => (tenant.credentialId ? <CredentialLink id={tenant.credentialId} /> : <Badge tone="warn">none attached</Badge>),
          },
          { header: 'Registered', cell: (tenant) => <Time iso={tenant.createdAt} /> },
        ]}
        empty={
          filtered ? (
            <EmptyState title="No tenant matches these filters.">
              A TIN must match exactly (it is normalised: <code>c 0123 4567 890</code> finds <code>C1234567890</code>); a name matches any part of it.{' '}
              <a href={href('/tenants')}>Clear the filters</a>
            </EmptyState>
          ) : (
            <EmptyState title="No tenants yet.">Register the first taxpayer with New tenant, then attach the MyInvois credential it logs in with.</EmptyState>
          )
        }
      />
    </PageFrame>
  );
}

function CreateTenant({ onCancel }: { onCancel: () => void }) {
  const create = useAction(tenants.create);
  const submit = async (event: Event) => {
    event.preventDefault();
    const values = formValues(event.currentTarget as HTMLFormElement);
    const tenant = await create.run({ name: values.name ?? '', tin: values.tin ?? '', brn: values.brn, environment: values.environment ?? 'sandbox' });
    if (tenant) navigate(`/tenants/${tenant.id}`);
  };
  return (
    <Section title="Register a taxpayer" id="new-tenant">
      <form class="form-grid" onSubmit={submit} noValidate>
        <Field label="Name" error={fieldError(create.error, 'name')}>
          {(props) => <TextInput {...props} name="name" required maxLength={200} />}
        </Field>
        <Field
          label="TIN"
          hint="As in the MyInvois portal, e.g. C1234567890 or IG12345678912; spaces and case do not matter."
          error={fieldError(create.error, 'tin')}
        >
          {(props) => <TextInput {...props} name="tin" required />}
        </Field>
        <Field
          label="BRN (optional)"
          hint="12 digits, e.g. 201901234567; needed when an intermediary logs in with TIN:BRN."
          error={fieldError(create.error, 'brn')}
        >
          {(props) => <TextInput {...props} name="brn" inputMode="numeric" />}
        </Field>
        <Field label="Environment" error={fieldError(create.error, 'environment')}>
          {(props) => <Select {...props} name="environment" options={ENVIRONMENTS.map((value): [string, string] => [value, value])} />}
        </Field>
        <ErrorNotice
          error={create.error && !fieldError(create.error, 'name', 'tin', 'brn', 'environment') ? create.error : undefined}
          action="Registering the tenant"
        />
        <div class="form-buttons">
          <SubmitButton busy={create.busy}>Register tenant</SubmitButton>
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </Section>
  );
}
