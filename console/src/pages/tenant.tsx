import { useState } from 'preact/hooks';
import { credentials, tenants } from '../api/broker';
import type { Credential, CredentialVerification, Tenant } from '../api/types';
import { useAction, useLoad } from '../hooks';
import { href } from '../router';
import { CredentialStatusBadge, TenantStatusBadge } from '../ui/badges';
import { ConfirmButton, DeleteSection, Field, fieldError, formValues, Select, SubmitButton, TextInput } from '../ui/forms';
import { DefinitionList, EmptyState, ErrorNotice, LoadState, Notice, PageFrame, Section } from '../ui/layout';
import { credentialName, forgetName } from '../ui/names';
import { Time } from '../ui/time';
import { VerificationResult } from '../ui/verification';
import { NewCredentialForm } from './credential-form';
import { TokenKeysSection } from './token-keys';

export function TenantPage({ id }: { id: string }) {
  const loaded = useLoad(() => tenants.get(id), [id]);
  const [tenant, setTenant] = useState<Tenant>();
  const [tokensVersion, setTokensVersion] = useState(0);
  const current = tenant?.id === id ? tenant : loaded.data;
  const changed = (next: Tenant) => {
    forgetName(next.id);
    setTenant(next);
    setTokensVersion((value) => value + 1);
  };
  return (
    <LoadState loaded={loaded} what="the tenant">
      {() =>
        current && (
          <PageFrame
            title={current.name}
            subtitle={
              <>
                <TenantStatusBadge status={current.status} /> <code>{current.tin}</code> · {current.environment} · <a href={href('/tenants')}>All tenants</a> ·{' '}
                <a href={href('/audit', { tenantId: current.id })}>Audit events</a>
              </>
            }
          >
            <div class="columns">
              <Section title="Details">
                <DefinitionList
                  items={[
                    ['TIN', <code>{current.tin}</code>],
                    ['BRN', current.brn ? <code>{current.brn}</code> : '—'],
                    ['Environment', current.environment],
                    ['Status', <TenantStatusBadge status={current.status} />],
                    ['onbehalfof sent', current.onBehalfOf ? <code>{current.onBehalfOf}</code> : '— (not through an intermediary)'],
                    ['Registered', <Time iso={current.createdAt} exact />],
                    ['Changed', <Time iso={current.updatedAt} exact />],
                    ['Id', <code>{current.id}</code>],
                  ]}
                />
                <StatusControl tenant={current} onChanged={changed} />
              </Section>
              <Section title="Edit">
                <EditTenant tenant={current} onChanged={changed} />
              </Section>
            </div>
            <Section title="MyInvois credential" id="credential">
              {current.credentialId ? (
                <AttachedCredential tenant={current} onChanged={changed} onVerified={() => setTokensVersion((value) => value + 1)} />
              ) : (
                <AttachCredential tenant={current} onChanged={changed} />
              )}
            </Section>
            <TokenKeysSection tenantId={current.id} changes={tokensVersion} />
            <DeleteSection
              what={current.name}
              explanation="Deleting removes the tenant from the API; its TIN can be registered again, and the audit log keeps its history."
              remove={() => tenants.remove(current.id)}
              listPath="/tenants"
            />
          </PageFrame>
        )
      }
    </LoadState>
  );
}

function StatusControl({ tenant, onChanged }: { tenant: Tenant; onChanged: (tenant: Tenant) => void }) {
  const update = useAction((status: 'active' | 'suspended') => tenants.update(tenant.id, { status }));
  const set = async (status: 'active' | 'suspended') => {
    const next = await update.run(status);
    if (next) onChanged(next);
  };
  return (
    <div class="row">
      {tenant.status === 'active' ? (
        <ConfirmButton confirmText="Its services get no more tokens." onConfirm={() => set('suspended')} busy={update.busy}>
          Suspend
        </ConfirmButton>
      ) : (
        <button type="button" class="primary" onClick={() => set('active')} disabled={update.busy}>
          Reactivate
        </button>
      )}
      <ErrorNotice error={update.error} action="Changing the status" />
    </div>
  );
}

function EditTenant({ tenant, onChanged }: { tenant: Tenant; onChanged: (tenant: Tenant) => void }) {
  const update = useAction((changes: Record<string, unknown>) => tenants.update(tenant.id, changes));
  const [saved, setSaved] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const values = formValues(event.currentTarget as HTMLFormElement);
    setSaved(false);
    const next = await update.run({ name: values.name ?? '', brn: values.brn ?? null });
    if (next) {
      onChanged(next);
      setSaved(true);
    }
  };
  return (
    <form class="form-stack" onSubmit={submit} noValidate key={tenant.updatedAt}>
      <Field label="Name" error={fieldError(update.error, 'name')}>
        {(props) => <TextInput {...props} name="name" defaultValue={tenant.name} required maxLength={200} />}
      </Field>
      <Field label="BRN" hint="12 digits; empty removes it." error={fieldError(update.error, 'brn', 'onBehalfOfFormat')}>
        {(props) => <TextInput {...props} name="brn" defaultValue={tenant.brn ?? ''} inputMode="numeric" />}
      </Field>
      <ErrorNotice error={update.error && !fieldError(update.error, 'name', 'brn', 'onBehalfOfFormat') ? update.error : undefined} action="Saving" />
      {saved && <Notice tone="ok">Saved.</Notice>}
      <div class="form-buttons">
        <SubmitButton busy={update.busy}>Save</SubmitButton>
      </div>
    </form>
  );
}

function AttachedCredential({ tenant, onChanged, onVerified }: { tenant: Tenant; onChanged: (tenant: Tenant) => void; onVerified: () => void }) {
  const credentialId = tenant.credentialId!;
  const loaded = useLoad(() => credentials.get(credentialId), [credentialId]);
  const verify = useAction(() => credentials.verify(credentialId, tenant.id));
  const detach = useAction(() => tenants.update(tenant.id, { credentialId: null }));
  const format = useAction((onBehalfOfFormat: string) => tenants.update(tenant.id, { onBehalfOfFormat }));
  const runVerify = async () => {
    if (await verify.run()) {
      loaded.reload();
      onVerified();
    }
  };
  return (
    <LoadState loaded={loaded} what="the credential">
      {(credential: Credential) => (
        <>
          <DefinitionList
            items={[
              ['Credential', <a href={href(`/credentials/${credential.id}`)}>{credentialName(credential)}</a>],
              ['Client ID', <code>{credential.clientId}</code>],
              ['Kind', credential.kind],
              ['Status', <CredentialStatusBadge status={credential.status} />],
              ...(credential.status === 'invalid'
                ? ([
                    [
                      'Last MyInvois error',
                      <>
                        <code>{credential.lastErrorCode}</code> {credential.lastErrorDescription}{' '}
                        <a href={href(`/credentials/${credential.id}`, { focus: 'secrets' })}>Enter new secrets</a>
                      </>,
                    ],
                  ] as Array<[string, preact.ComponentChildren]>)
                : []),
            ]}
          />
          {credential.kind === 'intermediary' && (
            <Field
              label="onbehalfof format"
              hint="What the intermediary sends for this taxpayer: the TIN, or TIN:BRN (needs a BRN)."
              error={fieldError(format.error, 'onBehalfOfFormat')}
            >
              {(props) => (
                <Select
                  {...props}
                  value={tenant.onBehalfOfFormat}
                  disabled={format.busy}
                  onChange={async (event) => {
                    const next = await format.run(event.currentTarget.value);
                    if (next) onChanged(next);
                  }}
                  options={[
                    ['tin', 'TIN'],
                    ['tin_brn', 'TIN:BRN'],
                  ]}
                />
              )}
            </Field>
          )}
          <div class="row">
            <button type="button" class="primary" onClick={runVerify} disabled={verify.busy} aria-busy={verify.busy}>
              {verify.busy ? 'Logging in to MyInvois…' : 'Verify now'}
            </button>
            <ConfirmButton
              confirmText="The tenant cannot log in until another credential is attached."
              onConfirm={async () => {
                const next = await detach.run();
                if (next) onChanged(next);
              }}
              busy={detach.busy}
            >
              Detach
            </ConfirmButton>
          </div>
          <p class="hint">
            Verify now makes one real login to MyInvois for this tenant (one of the client ID's logins this minute) and keeps the token it gets.
          </p>
          <ErrorNotice error={verify.error} action="Verifying" />
          <ErrorNotice error={detach.error} action="Detaching" />
          {verify.result && <VerificationResult result={verify.result as CredentialVerification} />}
        </>
      )}
    </LoadState>
  );
}

function AttachCredential({ tenant, onChanged }: { tenant: Tenant; onChanged: (tenant: Tenant) => void }) {
  const [mode, setMode] = useState<'new' | 'existing'>('new');
  const attach = useAction((credentialId: string, onBehalfOfFormat?: string) =>
    tenants.update(tenant.id, { credentialId, ...(onBehalfOfFormat ? { onBehalfOfFormat } : {}) }),
  );
  const attachNew = async (credential: Credential) => {
    const next = await attach.run(credential.id);
    if (next) onChanged(next);
  };
  return (
    <>
      <EmptyState title="No credential attached: this tenant cannot log in to MyInvois yet.">
        Store the taxpayer's MyInvois credential (or pick an intermediary credential already stored) and attach it.
      </EmptyState>
      <fieldset class="choice">
        <legend>Attach</legend>
        <label>
          <input type="radio" name="attach-mode" checked={mode === 'new'} onChange={() => setMode('new')} /> a new credential
        </label>
        <label>
          <input type="radio" name="attach-mode" checked={mode === 'existing'} onChange={() => setMode('existing')} /> a stored credential
        </label>
      </fieldset>
      {mode === 'new' ? (
        <NewCredentialForm environment={tenant.environment} submitLabel="Store and attach" onCreated={attachNew} />
      ) : (
        <ExistingCredential
          tenant={tenant}
          busy={attach.busy}
          onAttach={async (credentialId, format) => {
            const next = await attach.run(credentialId, format);
            if (next) onChanged(next);
          }}
        />
      )}
      <ErrorNotice error={attach.error} action="Attaching the credential" />
    </>
  );
}

function ExistingCredential({
  tenant,
  busy,
  onAttach,
}: {
  tenant: Tenant;
  busy: boolean;
  onAttach: (credentialId: string, onBehalfOfFormat?: string) => void;
}) {
  const list = useLoad(() => credentials.list({ environment: tenant.environment, limit: 200 }), [tenant.environment]);
  const submit = (event: Event) => {
    event.preventDefault();
    const values = formValues(event.currentTarget as HTMLFormElement);
    const chosen = values.typedId ?? values.credentialId;
    if (chosen) onAttach(chosen, values.onBehalfOfFormat);
  };
  return (
    <LoadState loaded={list} what="credentials">
      {(page) =>
        page.items.length === 0 ? (
          <EmptyState title={`No ${tenant.environment} credential is stored yet.`}>Choose "a new credential" above to store one.</EmptyState>
        ) : (
          <form class="form-grid" onSubmit={submit}>
            <Field label="Credential" hint={`Only ${tenant.environment} credentials can serve this tenant; a taxpayer credential serves one tenant.`}>
              {(props) => (
                <Select
                  {...props}
                  name="credentialId"
                  options={page.items.map((credential): [string, string] => [
                    credential.id,
                    `${credentialName(credential)} — ${credential.kind}, ${credential.status}`,
                  ])}
                />
              )}
            </Field>
            {page.nextCursor && (
              <Field label="Or its id" hint="The list shows the first 200 credentials.">
                {(props) => <TextInput {...props} name="typedId" />}
              </Field>
            )}
            <Field label="onbehalfof format (intermediary credentials)">
              {(props) => (
                <Select
                  {...props}
                  name="onBehalfOfFormat"
                  options={[
                    ['tin', 'TIN'],
                    ['tin_brn', 'TIN:BRN'],
                  ]}
                />
              )}
            </Field>
            <div class="form-buttons">
              <SubmitButton busy={busy}>Attach</SubmitButton>
            </div>
          </form>
        )
      }
    </LoadState>
  );
}
