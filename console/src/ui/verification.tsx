import type { CredentialVerification } from '../api/types';
import { Badge } from './badges';
import { DefinitionList, Notice } from './layout';

/** The answer of one real login: valid or refused, which secret worked, and the TIN claim check. */
export function VerificationResult({ result }: { result: CredentialVerification }) {
  if (result.status === 'invalid') {
    return (
      <Notice tone="bad">
        <strong>MyInvois refused the credential.</strong> <code>{result.upstreamError ?? 'unknown error'}</code> {result.upstreamDescription ?? ''} Enter new
        secrets from the MyInvois portal, then verify again.
      </Notice>
    );
  }
  const tin =
    result.tinMatches === true ? (
      <Badge tone="ok">matches</Badge>
    ) : result.tinMatches === false ? (
      <Badge tone="bad">differs from the TIN on file</Badge>
    ) : (
      <Badge tone="muted">not checked</Badge>
    );
  return (
    <div class="verification" role="status">
      <Notice tone={result.tinMatches === false ? 'warn' : 'ok'}>
        <strong>MyInvois accepted the credential.</strong>
        {result.tinMatches === false && ' But the token names another taxpayer than the tenant on file: check the TIN and the credential.'}
      </Notice>
      <DefinitionList
        items={[
          ['Secret that logged in', result.secretUsed === 2 ? 'the second secret' : 'the first secret'],
          ['TIN in the token', <code>{result.tinClaim ?? 'none'}</code>],
          ['TIN on file', <code>{result.expectedTin ?? '—'}</code>],
          ['TIN check', tin],
          ['Token lifetime', result.expiresInSeconds !== undefined ? `${Math.round(result.expiresInSeconds / 60)} minutes` : '—'],
        ]}
      />
    </div>
  );
}
