import { signingKeys, vault } from '../api/broker';
import type { IntegrityReport, RewrapSummary, SigningKey, VaultStatus } from '../api/types';
import { useAction, useLoad } from '../hooks';
import { href } from '../router';
import { Badge } from '../ui/badges';
import { ConfirmButton } from '../ui/forms';
import { EmptyState, ErrorNotice, LoadState, Notice, PageFrame, Section } from '../ui/layout';
import { DataTable } from '../ui/table';
import { Time } from '../ui/time';

type KeyVersion = VaultStatus['dataKeys'][number];

export function VaultPage() {
  const status = useLoad(() => vault.status(), []);
  const keys = useLoad(() => signingKeys.list(), []);
  return (
    <PageFrame
      title="Vault"
      subtitle="The master keys that wrap every credential's data key, how far a re-wrap has come, and the keys that sign the broker's own tokens."
      actions={
        <button type="button" onClick={() => (status.reload(), keys.reload())}>
          Refresh
        </button>
      }
    >
      <LoadState loaded={status} what="the vault's status">
        {(data) => (
          <>
            <Section title="Master key versions" id="master-keys">
              <RewrapProgress status={data} />
              <DataTable<KeyVersion>
                caption="Data keys per master key version"
                rows={data.dataKeys}
                rowKey={(version) => version.version}
                columns={[
                  { header: 'Version', kind: 'code', cell: (version) => version.version },
                  {
                    header: 'State',
                    cell: (version) =>
                      version.version === data.activeVersion ? (
                        <Badge tone="ok">active</Badge>
                      ) : !version.inRing ? (
                        <Badge tone="bad">missing from VAULT_KEYS</Badge>
                      ) : data.removableVersions.includes(version.version) ? (
                        <Badge tone="muted">unused: can be removed</Badge>
                      ) : (
                        <Badge tone="warn">still wraps data keys</Badge>
                      ),
                  },
                  { header: 'Data keys', kind: 'number', cell: (version) => version.total },
                  {
                    header: 'By table',
                    cell: (version) =>
                      Object.entries(version.byStore)
                        .map(([store, count]) => `${store}: ${count}`)
                        .join(', ') || '—',
                  },
                ]}
                empty={<EmptyState title="No master key versions." />}
              />
            </Section>
            <div class="columns">
              <Rewrap onDone={status.reload} />
              <IntegrityCheck />
            </div>
          </>
        )}
      </LoadState>
      <Section title="Token-signing keys" id="signing-keys">
        <LoadState loaded={keys} what="signing keys">
          {(list) => <SigningKeys keys={list} onRotated={keys.reload} />}
        </LoadState>
      </Section>
    </PageFrame>
  );
}

/** How many data keys the active version wraps already: the progress of a key rotation. */
function RewrapProgress({ status }: { status: VaultStatus }) {
  const total = status.dataKeys.reduce((sum, version) => sum + version.total, 0);
  const onActive = status.dataKeys.find((version) => version.version === status.activeVersion)?.total ?? 0;
  if (total === 0) return <p>No data keys yet: the first credential stored gets one, wrapped by {status.activeVersion}.</p>;
  return (
    <div class="progress">
      <label for="rewrap-progress">
        {onActive} of {total} data keys are wrapped by the active key <code>{status.activeVersion}</code>
        {onActive < total ? `; ${total - onActive} still to re-wrap.` : ': nothing left to re-wrap.'}
      </label>
      <progress id="rewrap-progress" max={total} value={onActive}>
        {Math.round((onActive / total) * 100)}%
      </progress>
      {status.removableVersions.length > 0 && (
        <p class="hint">
          {status.removableVersions.join(', ')} wrap nothing any more: remove them from <code>VAULT_KEYS</code> at the next roll.
        </p>
      )}
    </div>
  );
}

function Rewrap({ onDone }: { onDone: () => void }) {
  const rewrap = useAction(vault.rewrap);
  const result = rewrap.result as RewrapSummary | undefined;
  return (
    <Section title="Re-wrap" id="rewrap">
      <p>Moves every data key to the active master key, online and in batches. Run it once every replica has the new key active.</p>
      <button
        type="button"
        class="primary"
        onClick={async () => {
          if (await rewrap.run()) onDone();
        }}
        disabled={rewrap.busy}
        aria-busy={rewrap.busy}
      >
        {rewrap.busy ? 'Re-wrapping…' : 'Re-wrap now'}
      </button>
      <ErrorNotice error={rewrap.error} action="Re-wrapping" />
      {result && (
        <Notice tone={result.failed.length > 0 ? 'bad' : 'ok'}>
          {result.rewrapped} data keys moved to <code>{result.activeVersion}</code>; {result.remaining} remaining
          {result.failed.length > 0 && `; ${result.failed.length} failed (${result.failed.map((failure) => `${failure.store} ${failure.id}`).join(', ')})`}.
        </Notice>
      )}
    </Section>
  );
}

function IntegrityCheck() {
  const check = useAction(vault.check);
  const result = check.result as IntegrityReport | undefined;
  return (
    <Section title="Integrity check" id="integrity">
      <p>Opens every credential's sealed secrets (nothing is returned) and names those that fail.</p>
      <button type="button" onClick={() => check.run()} disabled={check.busy} aria-busy={check.busy}>
        {check.busy ? 'Checking…' : 'Check every credential'}
      </button>
      <ErrorNotice error={check.error} action="Checking" />
      {result &&
        (result.failed.length === 0 ? (
          <Notice tone="ok">All {result.checked} credentials open.</Notice>
        ) : (
          <Notice tone="bad">
            {result.failed.length} of {result.checked} credentials fail:{' '}
            {result.failed.map((failure) => (
              <span key={failure.credentialId}>
                <a href={href(`/credentials/${failure.credentialId}`)}>{failure.credentialId}</a> ({failure.part}){' '}
              </span>
            ))}
          </Notice>
        ))}
    </Section>
  );
}

function SigningKeys({ keys, onRotated }: { keys: SigningKey[]; onRotated: () => void }) {
  const rotate = useAction(signingKeys.rotate);
  return (
    <>
      <DataTable<SigningKey>
        caption="Keys that sign and verify broker tokens"
        rows={keys}
        rowKey={(key) => key.kid}
        columns={[
          { header: 'Key id', kind: 'code', cell: (key) => key.kid },
          { header: 'State', cell: (key) => (key.active ? <Badge tone="ok">signs new tokens</Badge> : <Badge tone="muted">verifies until retired</Badge>) },
          { header: 'Created', cell: (key) => <Time iso={key.createdAt} empty="from AUTH_SIGNING_KEY" /> },
          { header: 'Retires', cell: (key) => <Time iso={key.retiresAt} empty="—" /> },
        ]}
        empty={<EmptyState title="No signing keys." />}
      />
      <div class="row">
        <ConfirmButton
          tone="plain"
          confirmText="New tokens are signed with a new key; tokens already issued keep working until they expire."
          onConfirm={async () => {
            if (await rotate.run()) onRotated();
          }}
          busy={rotate.busy}
        >
          Rotate signing key
        </ConfirmButton>
      </div>
      <ErrorNotice error={rotate.error} action="Rotating the signing key" />
    </>
  );
}
