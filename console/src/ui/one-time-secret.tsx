import { useEffect, useRef } from 'preact/hooks';
import type { IssuedPrincipalSecret } from '../api/types';
import { CopyButton } from './copy';

/**
 * The only place a secret is ever put into the page: a principal's new client secret, once.
 * Dismissing it removes it from the page and from memory; the broker keeps only a hash.
 */
export function OneTimeSecret({ issued, principalName, onDismiss }: { issued: IssuedPrincipalSecret; principalName: string; onDismiss: () => void }) {
  const panel = useRef<HTMLElement>(null);
  useEffect(() => panel.current?.focus(), []);
  return (
    <section class="secret-once" aria-labelledby="secret-once-heading" tabIndex={-1} ref={panel} role="alertdialog" aria-describedby="secret-once-warning">
      <h2 id="secret-once-heading">Copy the client secret of {principalName} now</h2>
      <p id="secret-once-warning" class="secret-warning">
        <strong>It will not be shown again.</strong> The broker keeps only a hash of it: if it is lost, rotate the secret to get a new one.
      </p>
      <dl class="facts">
        <div>
          <dt>Client ID</dt>
          <dd>
            <code>{issued.clientId}</code>
          </dd>
        </div>
        <div>
          <dt>Client secret</dt>
          <dd>
            <code class="secret-value" id="one-time-secret-value" data-secret="one-time">
              {issued.clientSecret}
            </code>
          </dd>
        </div>
      </dl>
      <div class="row">
        <CopyButton value={issued.clientSecret} label="Copy secret" targetId="one-time-secret-value" />
        <button type="button" class="primary" onClick={onDismiss}>
          I have stored it
        </button>
      </div>
    </section>
  );
}
