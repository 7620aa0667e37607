import { audit, credentials, health, tokens } from '../api/broker';
import type { Credential, Page, TokenKeyState } from '../api/types';
import { useLoad } from '../hooks';
import { href } from '../router';
import { Badge, CredentialStatusBadge } from '../ui/badges';
import { formatTime, fromNow } from '../ui/format';
import { EmptyState, LoadState, Notice, PageFrame, Section } from '../ui/layout';
import { credentialName, CredentialLink, TenantLink } from '../ui/names';
import { DataTable } from '../ui/table';
import { Time } from '../ui/time';
import { BudgetCell } from '../ui/budget';
import { UpstreamErrorText } from '../ui/upstream-error';
import { UndeliveredWebhooks } from './undelivered-webhooks';

const LIMIT = 50;

/** Tokens at risk are a forecast the API computes per credential, not a filter: the console reads this many credentials for them. */
const AT_RISK_SCAN = { pageSize: 200, pages: 5 };

/** The credentials whose budget cannot renew every token in use before it expires, from the first AT_RISK_SCAN pages. */
async function credentialsWithTokensAtRisk(): Promise<{ items: Credential[]; complete: boolean }> {
  const items: Credential[] = [];
  let page: Page<Credential> | undefined;
  for (let read = 0; read < AT_RISK_SCAN.pages && (read === 0 || page?.nextCursor); read++) {
    page = await credentials.list({ limit: AT_RISK_SCAN.pageSize, cursor: page?.nextCursor ?? undefined });
    items.push(...page.items.filter((credential) => (credential.budget?.tokensAtRisk ?? 0) > 0));
  }
  return { items, complete: !page?.nextCursor };
}

/** What needs a person now, each item linking to the page where it is fixed. */
export function AttentionPage() {
  const refused = useLoad(() => credentials.list({ status: 'invalid', limit: LIMIT }), []);
  const degraded = useLoad(() => credentials.list({ degraded: 'true', limit: LIMIT }), []);
  const atRisk = useLoad(credentialsWithTokensAtRisk, []);
  const expiring = useLoad(() => credentials.list({ expiresSoon: 'true', limit: LIMIT }), []);
  const failing = useLoad(() => tokens.list({ state: 'failing', limit: LIMIT }), []);
  const auditStatus = useLoad(() => audit.status(), []);
  const readiness = useLoad(() => health.ready(), []);
  const reload = () => [refused, degraded, atRisk, expiring, failing, auditStatus, readiness].forEach((loaded) => loaded.reload());

  const counts = [
    refused.data?.items.length,
    degraded.data?.items.length,
    atRisk.data?.items.length,
    expiring.data?.items.length,
    failing.data?.items.length,
    auditStatus.data && !auditStatus.data.available ? 1 : 0,
  ];
  const known = counts.every((count) => count !== undefined);
  const total = counts.reduce<number>((sum, count) => sum + (count ?? 0), 0);

  return (
    <PageFrame
      title="Attention"
      subtitle="What needs a person now: refused and degraded credentials, client IDs with tokens at risk, secrets about to expire, tokens that fail to renew, the audit log."
      actions={
        <button type="button" onClick={reload}>
          Refresh
        </button>
      }
    >
      {known &&
        (total === 0 ? (
          <Notice tone="ok">All clear: nothing needs your attention.</Notice>
        ) : (
          <Notice tone="warn">{total === 1 ? '1 thing needs' : `${total} things need`} your attention.</Notice>
        ))}

      <Section title="Credentials MyInvois refuses" id="refused" tone={refused.data?.items.length ? 'bad' : undefined}>
        <LoadState loaded={refused} what="refused credentials">
          {(page) => (
            <>
              <DataTable<Credential>
                caption="Credentials MyInvois refuses, with its last error"
                rows={page.items}
                rowKey={(credential) => credential.id}
                columns={[
                  { header: 'Credential', cell: (credential) => <a href={href(`/credentials/${credential.id}`)}>{credentialName(credential)}</a> },
                  { header: 'Kind', cell: (credential) => `${credential.kind}, ${credential.environment}` },
                  { header: 'Status', cell: (credential) => <CredentialStatusBadge status={credential.status} /> },
                  {
                    header: 'Last MyInvois error',
                    cell: (credential) => <UpstreamErrorText credential={credential} />,
                  },
                  { header: 'Since', cell: (credential) => <Time iso={credential.updatedAt} /> },
                  { header: 'Fix', cell: (credential) => <a href={href(`/credentials/${credential.id}`, { focus: 'secrets' })}>Enter new secrets</a> },
                ]}
                empty={<EmptyState title="No refused credentials.">MyInvois accepted the last login of every credential.</EmptyState>}
              />
              {page.nextCursor && <MoreLink to={href('/credentials', { status: 'invalid' })} />}
            </>
          )}
        </LoadState>
      </Section>

      {/* Degraded credentials: MyInvois failing the client ID (outage, maintenance page), not refusing its secrets. */}
      <Section title="Credentials MyInvois is failing (degraded)" id="degraded" tone={degraded.data?.items.length ? 'warn' : undefined}>
        <LoadState loaded={degraded} what="degraded credentials">
          {(page) => (
            <>
              <DataTable<Credential>
                caption="Credentials MyInvois has been failing, with its last error and correlationId"
                rows={page.items}
                rowKey={(credential) => credential.id}
                columns={[
                  { header: 'Credential', cell: (credential) => <a href={href(`/credentials/${credential.id}`)}>{credentialName(credential)}</a> },
                  { header: 'Kind', cell: (credential) => `${credential.kind}, ${credential.environment}` },
                  { header: 'State', cell: () => <Badge tone="warn">degraded</Badge> },
                  { header: 'Last MyInvois error', cell: (credential) => <UpstreamErrorText credential={credential} /> },
                  { header: 'Since', cell: (credential) => <Time iso={credential.degradedSince} exact /> },
                  {
                    header: 'Fix',
                    cell: (credential) => (
                      <a href={href(`/credentials/${credential.id}`, { focus: 'budget' })}>See the back-off; quote the correlationId to LHDN support</a>
                    ),
                  },
                ]}
                empty={<EmptyState title="No degraded credentials.">MyInvois answered the last login of every client ID.</EmptyState>}
              />
              {page.nextCursor && <MoreLink to={href('/credentials', { degraded: 'true' })} />}
            </>
          )}
        </LoadState>
      </Section>

      {/* Client IDs with tokens at risk: the login budget's forecast. */}
      <Section title="Client IDs with tokens at risk" id="at-risk" tone={atRisk.data?.items.length ? 'warn' : undefined}>
        <LoadState loaded={atRisk} what="client IDs with tokens at risk">
          {(found) => (
            <>
              <DataTable<Credential>
                caption="Client IDs whose login budget cannot renew every token in use before it expires"
                rows={found.items}
                rowKey={(credential) => credential.id}
                columns={[
                  { header: 'Credential', cell: (credential) => <a href={href(`/credentials/${credential.id}`)}>{credentialName(credential)}</a> },
                  { header: 'Login budget', cell: (credential) => <BudgetCell budget={credential.budget} /> },
                  { header: 'Tokens at risk', kind: 'number', cell: (credential) => `${credential.budget!.tokensAtRisk} of ${credential.budget!.tokensInUse}` },
                  {
                    header: 'Fix',
                    cell: (credential) => (
                      <a href={href(`/credentials/${credential.id}`, { focus: 'settings' })}>
                        Raise the logins per minute, or move tenants to another client ID
                      </a>
                    ),
                  },
                ]}
                empty={<EmptyState title="No tokens at risk.">Every client ID's budget can renew the tokens in use before they expire.</EmptyState>}
              />
              {!found.complete && (
                <p class="more">
                  Only the first {AT_RISK_SCAN.pageSize * AT_RISK_SCAN.pages} credentials were read.{' '}
                  <a href={href('/credentials')}>See every credential's budget</a>
                </p>
              )}
            </>
          )}
        </LoadState>
      </Section>

      <Section title="Secrets expiring within the warning window" id="expiring" tone={expiring.data?.items.length ? 'warn' : undefined}>
        <LoadState loaded={expiring} what="expiring secrets">
          {(page) => (
            <>
              <DataTable<Credential>
                caption="Credentials whose secrets expire within CREDENTIAL_EXPIRY_WARNING_DAYS"
                rows={page.items}
                rowKey={(credential) => credential.id}
                columns={[
                  { header: 'Credential', cell: (credential) => <a href={href(`/credentials/${credential.id}`)}>{credentialName(credential)}</a> },
                  { header: 'Kind', cell: (credential) => `${credential.kind}, ${credential.environment}` },
                  { header: 'Expires', cell: (credential) => <ExpiryBadge iso={credential.secretExpiresAt!} /> },
                  { header: 'On', cell: (credential) => formatTime(credential.secretExpiresAt!) },
                  { header: 'Fix', cell: (credential) => <a href={href(`/credentials/${credential.id}`, { focus: 'secrets' })}>Enter the renewed secrets</a> },
                ]}
                empty={
                  <EmptyState title="No secrets expire soon.">
                    No credential's secrets expire within the warning window (<code>CREDENTIAL_EXPIRY_WARNING_DAYS</code>).
                  </EmptyState>
                }
              />
              {page.nextCursor && <MoreLink to={href('/credentials', { expiresSoon: 'true' })} />}
            </>
          )}
        </LoadState>
      </Section>

      <Section title="Token keys failing to renew" id="failing" tone={failing.data?.items.length ? 'bad' : undefined}>
        <LoadState loaded={failing} what="failing token keys">
          {(page) => (
            <>
              <DataTable<TokenKeyState>
                caption="Token keys whose last renewals failed"
                rows={page.items}
                rowKey={(key) => `${key.credentialId}/${key.onBehalfOf ?? ''}/${key.scope}`}
                columns={[
                  { header: 'Tenant', cell: (key) => <TenantLink id={key.tenantId} /> },
                  { header: 'Credential', cell: (key) => <CredentialLink id={key.credentialId} /> },
                  { header: 'Failures', kind: 'number', cell: (key) => key.failures },
                  { header: 'Last error', cell: (key) => <code>{key.lastErrorCode ?? '—'}</code> },
                  { header: 'Token expires', cell: (key) => <Time iso={key.expiresAt} /> },
                  { header: 'Next attempt', cell: (key) => <Time iso={key.nextAttemptAt} /> },
                ]}
                empty={<EmptyState title="Every token key renews normally." />}
              />
              {page.nextCursor && <MoreLink to={href('/tokens', { state: 'failing' })} />}
            </>
          )}
        </LoadState>
      </Section>

      <Section title="Audit log and database" id="audit-availability" tone={auditStatus.data && !auditStatus.data.available ? 'bad' : undefined}>
        <LoadState loaded={auditStatus} what="the audit log's state">
          {(status) =>
            status.available ? (
              <p>
                <Badge tone="ok">writable</Badge> The audit log accepts writes (this replica, since <Time iso={status.since} />
                ). <a href={href('/audit')}>Verify the chain</a>
              </p>
            ) : (
              <p>
                <Badge tone="bad">unavailable</Badge> The audit log could not be written since <Time iso={status.since} exact />.{' '}
                {status.failClosed
                  ? 'Token requests and changes are refused (AUDIT_FAIL_CLOSED) until it can.'
                  : 'Requests go on without a record (AUDIT_FAIL_CLOSED=false).'}{' '}
                Check the database and the broker's log.
              </p>
            )
          }
        </LoadState>
        <LoadState loaded={readiness} what="readiness">
          {(ready) =>
            ready.status === 200 ? (
              <p>
                <Badge tone="ok">ready</Badge> This replica is ready: the database answers.
              </p>
            ) : (
              <p>
                <Badge tone="bad">not ready</Badge>{' '}
                {Object.entries(ready.body.error ?? {})
                  .map(([name, check]) => `${name}: ${check.message ?? check.status}`)
                  .join('; ') || 'The replica reports itself not ready.'}
              </p>
            )
          }
        </LoadState>
      </Section>
      <UndeliveredWebhooks />
    </PageFrame>
  );
}

export function ExpiryBadge({ iso }: { iso: string }) {
  return new Date(iso).getTime() <= Date.now() ? <Badge tone="bad">expired</Badge> : <Badge tone="warn">expires {fromNow(iso)}</Badge>;
}

function MoreLink({ to }: { to: string }) {
  return (
    <p class="more">
      Showing the first {LIMIT}. <a href={to}>See them all</a>
    </p>
  );
}
