import { useEffect, useRef, useState } from 'preact/hooks';
import { credentials, tenants } from '../api/broker';
import type { Credential, CredentialVerification, Tenant } from '../api/types';
import { BudgetGauge, LoginsChart } from '../ui/budget';
import { UpstreamErrorText } from '../ui/upstream-error';
import { useAction, useLoad } from '../hooks';
import { href } from '../router';
import { CredentialStatusBadge, TenantStatusBadge } from '../ui/badges';
import { isoToLocalInput, localInputToIso } from '../ui/format';
import { DeleteSection, Field, fieldError, formValues, SecretInput, Select, SubmitButton, TextInput } from '../ui/forms';
import { DefinitionList, EmptyState, ErrorNotice, LoadState, Notice, PageFrame, Section } from '../ui/layout';
import { credentialName, forgetName } from '../ui/names';
import { DataTable } from '../ui/table';
import { Time } from '../ui/time';
import { VerificationResult } from '../ui/verification';
import { ExpiryBadge } from './attention';
import { TokenKeysSection } from './token-keys';

export function CredentialPage({ id, focus }: { id: string; focus?: string }) {
  const loaded = useLoad(() => credentials.get(id), [id]);
  const users = useLoad(() => tenants.list({ credentialId: id, limit: 200 }), [id]);
  const [credential, setCredential] = useState<Credential>();
  const [tokensVersion, setTokensVersion] = useState(0);
  const current = credential?.id === id ? credential : loaded.data;
  useEffect(() => {
    // A link from Attention to a section other than the secrets form (which focuses its own input).
    if (current && (focus === 'budget' || focus === 'settings')) document.getElementById(focus)?.scrollIntoView({ block: 'start' });
  }, [focus, id, current !== undefined]);
  const changed = (next: Credential) => {
    forgetName(next.id);
    setCredential(next);
    setTokensVersion((value) => value + 1);
  };
  return (
    <LoadState loaded={loaded} what="the credential">
      {() =>
        current && (
          <PageFrame
            title={credentialName(current)}
            subtitle={
              <>
                <CredentialStatusBadge status={current.status} /> {current.kind} · {current.environment} · <a href={href('/credentials')}>All credentials</a>
              </>
            }
          >
            {current.status === 'invalid' && (
              <Notice tone="bad">
                <strong>MyInvois refuses this credential:</strong> <UpstreamErrorText credential={current} /> No login sends these secrets again. Enter the
                current secrets from the MyInvois portal below, then verify.
              </Notice>
            )}
            {current.degraded && (
              <Notice tone="warn">
                <strong>MyInvois has been failing this client ID</strong> since <Time iso={current.degradedSince} exact />:{' '}
                <UpstreamErrorText credential={current} /> The broker backs off and tries again by itself; quote the correlationId to LHDN support if it lasts.
              </Notice>
            )}
            <div class="columns">
              <Section title="Details">
                <DefinitionList
                  items={[
                    ['Client ID', <code>{current.clientId}</code>],
                    ['Kind', current.kind],
                    ['Environment', current.environment],
                    ['Status', <CredentialStatusBadge status={current.status} />],
                    ['Secrets stored', current.secretsSet === 2 ? 'two' : 'one'],
                    [
                      'Secrets expire',
                      current.secretExpiresAt ? (
                        <>
                          <Time iso={current.secretExpiresAt} exact /> {current.expiresSoon && <ExpiryBadge iso={current.secretExpiresAt} />}
                        </>
                      ) : (
                        'not given'
                      ),
                    ],
                    ['Logins per minute', current.loginRatePerMinute],
                    ['Master key version', <code>{current.keyVersion}</code>],
                    ['Changed', <Time iso={current.updatedAt} exact />],
                    ['Id', <code>{current.id}</code>],
                  ]}
                />
              </Section>
              <Section title="Verify" id="verify">
                <Verify
                  credential={current}
                  users={users.data?.items ?? []}
                  onVerified={() => (loaded.reload(), setCredential(undefined), setTokensVersion((value) => value + 1))}
                />
              </Section>
            </div>
            <LoginBudgetSection credentialId={current.id} changes={tokensVersion} />
            <div class="columns">
              <Section title="Replace secrets" id="secrets">
                <ReplaceSecrets credential={current} focus={focus === 'secrets'} onChanged={changed} />
              </Section>
              <Section title="Settings" id="settings">
                <Settings credential={current} onChanged={changed} />
              </Section>
            </div>
            <Section title="Tenants using it" id="tenants">
              <LoadState loaded={users} what="tenants">
                {(page) => (
                  <DataTable<Tenant>
                    caption="Tenants that log in with this credential"
                    rows={page.items}
                    rowKey={(tenant) => tenant.id}
                    columns={[
                      { header: 'Name', cell: (tenant) => <a href={href(`/tenants/${tenant.id}`)}>{tenant.name}</a> },
                      { header: 'TIN', kind: 'code', cell: (tenant) => tenant.tin },
                      { header: 'onbehalfof', kind: 'code', cell: (tenant) => tenant.onBehalfOf ?? '—' },
                      { header: 'Status', cell: (tenant) => <TenantStatusBadge status={tenant.status} /> },
                    ]}
                    empty={
                      <EmptyState title="No tenant uses this credential.">
                        Attach it from a tenant's page (<a href={href('/tenants')}>Tenants</a>).
                      </EmptyState>
                    }
                  />
                )}
              </LoadState>
            </Section>
            <TokenKeysSection credentialId={current.id} changes={tokensVersion} />
            <DeleteSection
              what={credentialName(current)}
              explanation="Deleting removes the credential and every sealed byte of it. The broker refuses while tenants use it."
              remove={() => credentials.remove(current.id)}
              listPath="/credentials"
            />
          </PageFrame>
        )
      }
    </LoadState>
  );
}

/** The login budget now (the gauge) and its last hour (the chart), read again with Refresh or after a verification. */
function LoginBudgetSection({ credentialId, changes }: { credentialId: string; changes: number }) {
  const budget = useLoad(() => credentials.budget(credentialId), [credentialId, changes]);
  const logins = useLoad(() => credentials.logins(credentialId), [credentialId, changes]);
  return (
    <Section
      title="Login budget"
      id="budget"
      actions={
        <button type="button" onClick={() => (budget.reload(), logins.reload())}>
          Refresh
        </button>
      }
    >
      <div class="columns">
        <div>
          <h3>This minute</h3>
          <LoadState loaded={budget} what="the login budget">
            {(figures) => <BudgetGauge budget={figures} />}
          </LoadState>
        </div>
        <div>
          <h3>Logins per minute, last hour</h3>
          <LoadState loaded={logins} what="the logins of the last hour">
            {(history) => <LoginsChart logins={history} />}
          </LoadState>
        </div>
      </div>
    </Section>
  );
}

function Verify({ credential, users, onVerified }: { credential: Credential; users: Tenant[]; onVerified: () => void }) {
  const verify = useAction((tenantId?: string) => credentials.verify(credential.id, tenantId));
  const [tenantId, setTenantId] = useState<string>();
  const needsTenant = credential.kind === 'intermediary';
  const chosen = tenantId ?? users[0]?.id;
  const run = async () => {
    if (await verify.run(needsTenant ? chosen : undefined)) onVerified();
  };
  return (
    <>
      <p>
        One real login to MyInvois with this credential{needsTenant ? ' on behalf of the tenant chosen' : ''}: it shows whether MyInvois accepts it and whether
        the token names the taxpayer on file.
      </p>
      {needsTenant &&
        (users.length === 0 ? (
          <EmptyState title="An intermediary is verified on behalf of a tenant, and none uses this credential yet.">Attach it to a tenant first.</EmptyState>
        ) : (
          <Field label="On behalf of">
            {(props) => (
              <Select
                {...props}
                value={chosen}
                onChange={(event) => setTenantId(event.currentTarget.value)}
                options={users.map((tenant): [string, string] => [tenant.id, `${tenant.name} (${tenant.onBehalfOf ?? tenant.tin})`])}
              />
            )}
          </Field>
        ))}
      <button type="button" class="primary" onClick={run} disabled={verify.busy || (needsTenant && !chosen)} aria-busy={verify.busy}>
        {verify.busy ? 'Logging in to MyInvois…' : 'Verify now'}
      </button>
      <ErrorNotice error={verify.error} action="Verifying" />
      {verify.result && <VerificationResult result={verify.result as CredentialVerification} />}
    </>
  );
}

/** Write-only: the inputs start empty, are read once on submit, and are cleared when the broker has the secrets. */
function ReplaceSecrets({ credential, focus, onChanged }: { credential: Credential; focus: boolean; onChanged: (credential: Credential) => void }) {
  const replace = useAction((body: Record<string, unknown>) => credentials.replaceSecrets(credential.id, body));
  const [done, setDone] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (focus) {
      document.getElementById('secrets')?.scrollIntoView({ block: 'start' });
      (form.current?.elements.namedItem('clientSecret') as HTMLInputElement | null)?.focus({ preventScroll: true });
    }
  }, [focus]);
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const values = formValues(form);
    const removeSecond = (form.elements.namedItem('removeSecond') as HTMLInputElement).checked;
    setDone(false);
    const next = await replace.run({
      clientSecret: values.clientSecret,
      secondaryClientSecret: removeSecond ? null : values.secondaryClientSecret,
      secretExpiresAt: localInputToIso(values.secretExpiresAt ?? ''),
    });
    if (next) {
      form.reset();
      setDone(true);
      onChanged(next);
    }
  };
  const error = (name: string) => fieldError(replace.error, name);
  return (
    <form class="form-stack" onSubmit={submit} noValidate autoComplete="off" ref={form}>
      <p class="hint">
        From the MyInvois portal. The broker stores them encrypted and never shows them again; the credential becomes unverified until its next login.
      </p>
      <Field label="New client secret" error={error('clientSecret')}>
        {(props) => <SecretInput {...props} name="clientSecret" />}
      </Field>
      <Field label="New second client secret" hint="Leave empty to keep the stored one." error={error('secondaryClientSecret')}>
        {(props) => <SecretInput {...props} name="secondaryClientSecret" />}
      </Field>
      <label class="check">
        <input type="checkbox" name="removeSecond" /> Remove the second secret
      </label>
      <Field label="New expiry (optional)" error={error('secretExpiresAt')}>
        {(props) => <input {...props} type="datetime-local" name="secretExpiresAt" />}
      </Field>
      <ErrorNotice
        error={replace.error && !['clientSecret', 'secondaryClientSecret', 'secretExpiresAt'].some((name) => error(name)) ? replace.error : undefined}
        action="Replacing the secrets"
      />
      {done && <Notice tone="ok">The new secrets are stored. Verify now to log in with them.</Notice>}
      <div class="form-buttons">
        <SubmitButton busy={replace.busy}>Replace secrets</SubmitButton>
      </div>
    </form>
  );
}

function Settings({ credential, onChanged }: { credential: Credential; onChanged: (credential: Credential) => void }) {
  const update = useAction((body: Record<string, unknown>) => credentials.update(credential.id, body));
  const [saved, setSaved] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const values = formValues(event.currentTarget as HTMLFormElement);
    setSaved(false);
    // Only what changed: an expiry already past would be refused if it were sent back as it is.
    const changes: Record<string, unknown> = {};
    if ((values.label ?? null) !== credential.label) changes.label = values.label ?? null;
    if (values.loginRatePerMinute && Number(values.loginRatePerMinute) !== credential.loginRatePerMinute)
      changes.loginRatePerMinute = Number(values.loginRatePerMinute);
    if ((values.secretExpiresAt ?? '') !== isoToLocalInput(credential.secretExpiresAt ?? undefined))
      changes.secretExpiresAt = localInputToIso(values.secretExpiresAt ?? '') ?? null;
    const next = await update.run(changes);
    if (next) {
      setSaved(true);
      onChanged(next);
    }
  };
  const error = (name: string) => fieldError(update.error, name);
  return (
    <form class="form-stack" onSubmit={submit} noValidate key={credential.updatedAt}>
      <Field label="Label" error={error('label')}>
        {(props) => <TextInput {...props} name="label" defaultValue={credential.label ?? ''} maxLength={200} />}
      </Field>
      <Field label="Logins per minute" hint="MyInvois's limit for this client ID." error={error('loginRatePerMinute')}>
        {(props) => <input {...props} type="number" min={1} max={1000} name="loginRatePerMinute" defaultValue={String(credential.loginRatePerMinute)} />}
      </Field>
      <Field label="Secrets expire" hint="Empty: not known." error={error('secretExpiresAt')}>
        {(props) => <input {...props} type="datetime-local" name="secretExpiresAt" defaultValue={isoToLocalInput(credential.secretExpiresAt ?? undefined)} />}
      </Field>
      <ErrorNotice
        error={update.error && !['label', 'loginRatePerMinute', 'secretExpiresAt'].some((name) => error(name)) ? update.error : undefined}
        action="Saving"
      />
      {saved && <Notice tone="ok">Saved.</Notice>}
      <div class="form-buttons">
        <SubmitButton busy={update.busy}>Save</SubmitButton>
      </div>
    </form>
  );
}
