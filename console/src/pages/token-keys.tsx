import { useState } from 'preact/hooks';
import { tokens } from '../api/broker';
import type { TokenKeyState } from '../api/types';
import { usePaged } from '../hooks';
import { TokenStateBadge } from '../ui/badges';
import { EmptyState, Section } from '../ui/layout';
import { CredentialLink, TenantLink } from '../ui/names';
import { Column, PagedTable } from '../ui/table';
import { Time } from '../ui/time';

export const tokenKeyId = (key: TokenKeyState) => `${key.credentialId}/${key.onBehalfOf ?? ''}/${key.scope}`;

/** The columns of a token key; `without` leaves out what the page is already about. */
export function tokenKeyColumns(without: Array<'tenant' | 'credential'> = []): Array<Column<TokenKeyState>> {
  const columns: Array<Column<TokenKeyState> & { about?: 'tenant' | 'credential' }> = [
    { header: 'State', cell: (key) => <TokenStateBadge state={key.state} /> },
    { header: 'Tenant', about: 'tenant', cell: (key) => <TenantLink id={key.tenantId} /> },
    { header: 'Credential', about: 'credential', cell: (key) => <CredentialLink id={key.credentialId} /> },
    { header: 'On behalf of', kind: 'code', cell: (key) => key.onBehalfOf || '—' },
    { header: 'Expires', cell: (key) => <Time iso={key.expiresAt} /> },
    { header: 'Renewal due', cell: (key) => <Time iso={key.refreshDueAt} /> },
    { header: 'Last used', cell: (key) => <Time iso={key.lastUsedAt} empty="never" /> },
    { header: 'Failures', kind: 'number', cell: (key) => key.failures },
    { header: 'Last error', kind: 'code', cell: (key) => key.lastErrorCode ?? '—' },
    { header: 'Next attempt', cell: (key) => <Time iso={key.nextAttemptAt} /> },
  ];
  return columns.filter((column) => !column.about || !without.includes(column.about));
}

/** The token keys of one tenant or one credential: whether their tokens are fresh, and why not. */
function TokenKeysOf({ tenantId, credentialId, refreshKey }: { tenantId?: string; credentialId?: string; refreshKey: string }) {
  const list = usePaged((cursor) => tokens.list({ tenantId, credentialId, cursor, limit: 20 }), `${tenantId}/${credentialId}/${refreshKey}`);
  return (
    <PagedTable<TokenKeyState>
      list={list}
      what="token keys"
      caption="Token keys"
      rowKey={tokenKeyId}
      columns={tokenKeyColumns(tenantId ? ['tenant'] : ['credential'])}
      empty={
        <EmptyState title="No token yet.">
          The first token request for {tenantId ? 'this tenant' : 'a tenant of this credential'} logs in to MyInvois; so does Verify now.
        </EmptyState>
      }
    />
  );
}

/** The token keys of a tenant's or a credential's page, with a Refresh of their own; `changes` counts changes made on the page. */
export function TokenKeysSection({ tenantId, credentialId, changes }: { tenantId?: string; credentialId?: string; changes: number }) {
  const [refreshes, setRefreshes] = useState(0);
  return (
    <Section
      title="Token keys"
      id="token-keys"
      actions={
        <button type="button" onClick={() => setRefreshes((value) => value + 1)}>
          Refresh
        </button>
      }
    >
      <TokenKeysOf tenantId={tenantId} credentialId={credentialId} refreshKey={`${changes}/${refreshes}`} />
    </Section>
  );
}
