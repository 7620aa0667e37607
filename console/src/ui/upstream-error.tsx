import type { Credential } from '../api/types';

/** MyInvois's last answer for a credential in words, with the correlationId LHDN support asks for. */
export function UpstreamErrorText({ credential }: { credential: Credential }) {
  const error = credential.lastError;
  if (!error)
    return (
      <>
        <code>{credential.lastErrorCode ?? 'unknown'}</code> {credential.lastErrorDescription}
      </>
    );
  return (
    <>
      <code>{error.code}</code> {error.description}
      {error.status !== null && <span class="muted"> (HTTP {error.status})</span>}
      <div class="small">
        correlationId{' '}
        {error.correlationId ? (
          <code class="correlation-id" data-testid="correlation-id">
            {error.correlationId}
          </code>
        ) : (
          <span class="muted">none given</span>
        )}
      </div>
    </>
  );
}
