import { useState } from 'preact/hooks';
import { credentials } from '../api/broker';
import { Credential, CREDENTIAL_KINDS, CREDENTIAL_STATUSES, ENVIRONMENTS } from '../api/types';
import { usePaged } from '../hooks';
import { href, navigate, queryObject } from '../router';
import { Badge, CredentialStatusBadge } from '../ui/badges';
import { anyOf, FilterBar, FilterSelect } from '../ui/forms';
import { EmptyState, PageFrame, Section } from '../ui/layout';
import { credentialName } from '../ui/names';
import { PagedTable } from '../ui/table';
import { formatDate } from '../ui/format';
import { BudgetCell } from '../ui/budget';
import { ExpiryBadge } from './attention';
import { NewCredentialForm } from './credential-form';

const FILTERS = ['environment', 'kind', 'status', 'expiresSoon', 'degraded'];

export function CredentialsPage({ query }: { query: URLSearchParams }) {
  const filters = queryObject(query, FILTERS);
  const [creating, setCreating] = useState(false);
  const list = usePaged((cursor) => credentials.list({ ...filters, cursor }), JSON.stringify(filters));
  const filtered = FILTERS.some((name) => filters[name]);
  return (
    <PageFrame
      title="Credentials"
      subtitle="The MyInvois client IDs and secrets the broker logs in with. Secrets are write-only: nobody, not even an admin, reads them back."
      actions={
        <button type="button" class="primary" onClick={() => setCreating(!creating)} aria-expanded={creating}>
          New credential
        </button>
      }
    >
      {creating && (
        <Section title="Store a credential" id="new-credential">
          <NewCredentialForm
            submitLabel="Store credential"
            onCreated={(credential) => navigate(`/credentials/${credential.id}`)}
            onCancel={() => setCreating(false)}
          />
        </Section>
      )}
      <FilterBar label="Filter credentials" path="/credentials" filtered={filtered}>
        {(apply) => (
          <>
            <FilterSelect label="Environment" name="environment" value={filters.environment} apply={apply} options={anyOf(ENVIRONMENTS)} />
            <FilterSelect label="Kind" name="kind" value={filters.kind} apply={apply} options={anyOf(CREDENTIAL_KINDS)} />
            <FilterSelect label="Status" name="status" value={filters.status} apply={apply} options={anyOf(CREDENTIAL_STATUSES)} />
            <FilterSelect
              label="Secrets"
              name="expiresSoon"
              value={filters.expiresSoon}
              apply={apply}
              options={[
                ['', 'Any expiry'],
                ['true', 'Expiring soon'],
                ['false', 'Not expiring soon'],
              ]}
            />
            <FilterSelect
              label="MyInvois"
              name="degraded"
              value={filters.degraded}
              apply={apply}
              options={[
                ['', 'Degraded or not'],
                ['true', 'Degraded (failing)'],
                ['false', 'Answering'],
              ]}
            />
          </>
        )}
      </FilterBar>
      <PagedTable<Credential>
        list={list}
        what="credentials"
        caption="Credentials"
        rowKey={(credential) => credential.id}
        columns={[
          {
            header: 'Credential',
            cell: (credential) => (
              <>
                <a href={href(`/credentials/${credential.id}`)}>{credentialName(credential)}</a>
                {credential.label && <div class="muted small">{credential.clientId}</div>}
              </>
            ),
          },
          { header: 'Kind', cell: (credential) => credential.kind },
          { header: 'Environment', cell: (credential) => credential.environment },
          {
            header: 'Status',
            cell: (credential) => (
              <>
                <CredentialStatusBadge status={credential.status} /> {credential.degraded && <Badge tone="warn">degraded</Badge>}{' '}
                {credential.lastErrorCode && <code class="small">{credential.lastErrorCode}</code>}
              </>
            ),
          },
          { header: 'Secrets', kind: 'number', cell: (credential) => credential.secretsSet },
          {
            header: 'Expiry',
            cell: (credential) =>
              credential.secretExpiresAt ? (
                <>
                  {formatDate(credential.secretExpiresAt)} {credential.expiresSoon && <ExpiryBadge iso={credential.secretExpiresAt} />}
                </>
              ) : (
                <Badge tone="muted">not given</Badge>
              ),
          },
          { header: 'Login budget', cell: (credential) => <BudgetCell budget={credential.budget} /> },
          { header: 'Key', kind: 'code', cell: (credential) => credential.keyVersion },
        ]}
        empty={
          filtered ? (
            <EmptyState title="No credential matches these filters.">
              <a href={href('/credentials')}>Clear the filters</a>
            </EmptyState>
          ) : (
            <EmptyState title="No credentials stored yet.">Store one with New credential (or from a tenant's page, where it is attached at once).</EmptyState>
          )
        }
      />
    </PageFrame>
  );
}
