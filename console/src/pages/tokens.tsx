import { tokens } from '../api/broker';
import { TOKEN_STATES, TokenKeyState } from '../api/types';
import { usePaged } from '../hooks';
import { href, queryObject } from '../router';
import { anyOf, Field, FilterBar, FilterSelect, TextInput } from '../ui/forms';
import { EmptyState, PageFrame } from '../ui/layout';
import { PagedTable } from '../ui/table';
import { tokenKeyColumns, tokenKeyId } from './token-keys';

const FILTERS = ['state', 'tenantId', 'credentialId'];

const STATE_HELP: Record<string, string> = {
  fresh: 'a token with enough life left',
  due: 'the refresher renews it soon',
  refreshing: 'a login is under way',
  failing: 'the last renewals failed: see the error and the next attempt',
  expired: 'no usable token (usually a tenant nobody asked for lately)',
};

/** Every token key (credential, onbehalfof, scope) with its refresh state; never a token. */
export function TokensPage({ query }: { query: URLSearchParams }) {
  const filters = queryObject(query, FILTERS);
  const list = usePaged((cursor) => tokens.list({ ...filters, cursor }), JSON.stringify(filters));
  const filtered = FILTERS.some((name) => filters[name]);
  return (
    <PageFrame title="Tokens" subtitle="The token keys the broker keeps MyInvois tokens for, and whether each is fresh. Tokens themselves are never shown.">
      <FilterBar label="Filter token keys" path="/tokens" filtered={filtered} submitText="Filter">
        {(apply) => (
          <>
            <FilterSelect
              label="State"
              hint={filters.state ? STATE_HELP[filters.state] : undefined}
              name="state"
              value={filters.state}
              apply={apply}
              options={anyOf(TOKEN_STATES)}
            />
            <Field label="Tenant id">{(props) => <TextInput {...props} key={filters.tenantId ?? ''} name="tenantId" defaultValue={filters.tenantId} />}</Field>
            <Field label="Credential id">
              {(props) => <TextInput {...props} key={filters.credentialId ?? ''} name="credentialId" defaultValue={filters.credentialId} />}
            </Field>
          </>
        )}
      </FilterBar>
      <PagedTable<TokenKeyState>
        list={list}
        what="token keys"
        caption="Token keys"
        rowKey={tokenKeyId}
        columns={tokenKeyColumns()}
        empty={
          filtered ? (
            <EmptyState title="No token key matches these filters.">
              <a href={href('/tokens')}>Clear the filters</a>
            </EmptyState>
          ) : (
            <EmptyState title="No token keys yet.">
              A key appears with a tenant's first token request, or when a credential is verified for a tenant.
            </EmptyState>
          )
        }
      />
    </PageFrame>
  );
}
