import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import type { IssuedPrincipalSecret } from '../api/types';
import { CopyButton } from './copy';

/**
 * The only place a secret is ever put into the page, once: a principal's new client secret, a
 * webhook's signing secret. Dismissing it removes it from the page and from memory.
 */
export function SecretOnce({
  heading,
  warning,
  facts,
  secretLabel,
  secret,
  onDismiss,
}: {
  heading: string;
  warning: ComponentChildren;
  facts: Array<[string, string]>;
  secretLabel: string;
  secret: string;
  onDismiss: () => void;
}) {
  const panel = useRef<HTMLElement>(null);
  useEffect(() => panel.current?.focus(), []);
  return (
    <section class="secret-once" aria-labelledby="secret-once-heading" tabIndex={-1} ref={panel} role="alertdialog" aria-describedby="secret-once-warning">
      <h2 id="secret-once-heading">{heading}</h2>
      <p id="secret-once-warning" class="secret-warning">
        {warning}
      </p>
      <dl class="facts">
        {facts.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>
              <code>{value}</code>
            </dd>
          </div>
        ))}
        <div>
          <dt>{secretLabel}</dt>
          <dd>
            <code class="secret-value" id="one-time-secret-value" data-secret="one-time">
              {secret}
            </code>
          </dd>
        </div>
      </dl>
      <div class="row">
        <CopyButton value={secret} label="Copy secret" targetId="one-time-secret-value" />
        <button type="button" class="primary" onClick={onDismiss}>
          I have stored it
        </button>
      </div>
    </section>
  );
}

/** A principal's new client secret; the broker keeps only a hash of it. */
export function OneTimeSecret({ issued, principalName, onDismiss }: { issued: IssuedPrincipalSecret; principalName: string; onDismiss: () => void }) {
  return (
    <SecretOnce
      heading={`Copy the client secret of ${principalName} now`}
      warning={
        <>
          <strong>It will not be shown again.</strong> The broker keeps only a hash of it: if it is lost, rotate the secret to get a new one.
        </>
      }
      facts={[['Client ID', issued.clientId]]}
      secretLabel="Client secret"
      secret={issued.clientSecret}
      onDismiss={onDismiss}
    />
  );
}
