import type { ComponentChildren } from 'preact';
import type { CredentialStatus, TenantStatus, TokenState } from '../api/types';

export type Tone = 'ok' | 'warn' | 'bad' | 'info' | 'muted';

/** A state in colour and in words (and a shape, from the stylesheet), so it reads without colour too. */
export function Badge({ tone, children, title }: { tone: Tone; children: ComponentChildren; title?: string }) {
  return (
    <span class={`badge badge-${tone}`} title={title}>
      {children}
    </span>
  );
}

const CREDENTIAL: Record<CredentialStatus, [Tone, string]> = {
  valid: ['ok', 'valid'],
  unverified: ['info', 'unverified'],
  invalid: ['bad', 'invalid'],
};

export function CredentialStatusBadge({ status }: { status: CredentialStatus }) {
  const [tone, text] = CREDENTIAL[status];
  return (
    <Badge tone={tone} title={status === 'invalid' ? 'MyInvois refuses every secret: enter new ones' : undefined}>
      {text}
    </Badge>
  );
}

export function TenantStatusBadge({ status }: { status: TenantStatus }) {
  return status === 'active' ? <Badge tone="ok">active</Badge> : <Badge tone="warn">suspended</Badge>;
}

const TOKEN: Record<TokenState, [Tone, string]> = {
  fresh: ['ok', 'Token is fresh'],
  due: ['info', 'Renewal is due'],
  refreshing: ['info', 'A login is under way'],
  failing: ['bad', 'The last renewals failed'],
  expired: ['muted', 'No usable token'],
};

export function TokenStateBadge({ state }: { state: TokenState }) {
  const [tone, title] = TOKEN[state];
  return (
    <Badge tone={tone} title={title}>
      {state}
    </Badge>
  );
}

export function EnabledBadge({ enabled }: { enabled: boolean }) {
  return enabled ? <Badge tone="ok">enabled</Badge> : <Badge tone="muted">disabled</Badge>;
}
