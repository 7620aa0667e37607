// The broker's response shapes, as its REST API documents them (the DTOs in src/).

export type Environment = 'sandbox' | 'production';
export type TenantStatus = 'active' | 'suspended';
export type CredentialKind = 'taxpayer' | 'intermediary';
export type CredentialStatus = 'unverified' | 'valid' | 'invalid';
export type TokenState = 'fresh' | 'due' | 'refreshing' | 'failing' | 'expired';
export type Role = 'admin' | 'service';
export type OnBehalfOfFormat = 'tin' | 'tin_brn';

export const ENVIRONMENTS: Environment[] = ['sandbox', 'production'];
export const TENANT_STATUSES: TenantStatus[] = ['active', 'suspended'];
export const CREDENTIAL_KINDS: CredentialKind[] = ['taxpayer', 'intermediary'];
export const CREDENTIAL_STATUSES: CredentialStatus[] = ['unverified', 'valid', 'invalid'];
export const TOKEN_STATES: TokenState[] = ['fresh', 'due', 'refreshing', 'failing', 'expired'];
export const ROLES: Role[] = ['admin', 'service'];

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Tenant {
  id: string;
  name: string;
  tin: string;
  brn: string | null;
  environment: Environment;
  status: TenantStatus;
  credentialId: string | null;
  onBehalfOfFormat: OnBehalfOfFormat;
  onBehalfOf: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Credential {
  id: string;
  kind: CredentialKind;
  environment: Environment;
  clientId: string;
  label: string | null;
  secretsSet: number;
  secretExpiresAt: string | null;
  expiresSoon: boolean;
  loginRatePerMinute: number;
  status: CredentialStatus;
  lastErrorCode: string | null;
  lastErrorDescription: string | null;
  lastError: UpstreamError | null;
  degraded: boolean;
  degradedSince: string | null;
  keyVersion: string;
  createdAt: string;
  updatedAt: string;
  budget?: CredentialBudget;
}

/** The last error MyInvois answered for a credential. */
export interface UpstreamError {
  classification: 'refused' | 'request_error' | 'rate_limited' | 'transient';
  code: string;
  description: string;
  status: number | null;
  correlationId: string | null;
  at: string;
}

export interface CredentialBudget {
  limitPerMinute: number;
  usedInWindow: number;
  nextSlotAt: string;
  pausedUntil: string | null;
  pausedRetryAfterSeconds: number | null;
  backingOffUntil: string | null;
  consecutiveFailures: number;
  renewalsInProgress: number;
  tokensInUse: number;
  tokensAtRisk: number;
}

export interface LoginMinute {
  minute: string;
  logins: number;
  onDemand: number;
  refresh: number;
}

export interface CredentialLogins {
  limitPerMinute: number;
  minutes: LoginMinute[];
}

export interface CredentialVerification {
  status: 'valid' | 'invalid';
  secretUsed?: number;
  tinClaim?: string | null;
  expectedTin?: string | null;
  tinMatches?: boolean | null;
  expiresInSeconds?: number;
  upstreamError?: string | null;
  upstreamDescription?: string | null;
}

export interface TokenKeyState {
  credentialId: string;
  tenantId: string | null;
  onBehalfOf: string | null;
  scope: string;
  state: TokenState;
  tokenFingerprint: string | null;
  expiresAt: string | null;
  acquiredAt: string | null;
  refreshDueAt: string | null;
  lastUsedAt: string | null;
  failures: number;
  lastErrorCode: string | null;
  nextAttemptAt: string | null;
  leaseOwner: string | null;
}

export interface AuditEvent {
  seq: string;
  occurredAt: string;
  actor: { type: 'principal' | 'system' | 'anonymous'; id: string | null; name: string };
  action: string;
  tenantId: string | null;
  target: { type: string; id: string } | null;
  outcome: 'success' | 'failure' | 'denied';
  requestId: string | null;
  callerIp: string | null;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export interface ChainVerification {
  ok: boolean;
  checked: number;
  firstBrokenSeq?: string;
  reason?: string;
  anchorSeq: string;
  headSeq: string;
  headHash: string;
}

export interface AuditStatus {
  available: boolean;
  since: string;
  lastFailureAt: string | null;
  failClosed: boolean;
}

export interface Principal {
  id: string;
  name: string;
  role: Role;
  clientId: string;
  tenantGrants: string[];
  externalSubject: string | null;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

/** The one answer that carries a principal's secret: shown once, then dropped. */
export interface IssuedPrincipalSecret {
  clientId: string;
  clientSecret: string;
}

export interface VaultStatus {
  activeVersion: string;
  ringVersions: string[];
  dataKeys: Array<{ version: string; inRing: boolean; total: number; byStore: Record<string, number> }>;
  removableVersions: string[];
}

export interface RewrapSummary {
  activeVersion: string;
  rewrapped: number;
  failed: Array<{ store: string; id: string }>;
  remaining: number;
}

export interface IntegrityReport {
  checked: number;
  failed: Array<{ credentialId: string; part: string }>;
}

export interface SigningKey {
  kid: string;
  active: boolean;
  createdAt: string | null;
  retiresAt: string | null;
}

/** @nestjs/terminus's readiness answer. */
export interface Readiness {
  status: 'ok' | 'error' | 'shutting_down';
  info?: Record<string, { status: string; message?: string }>;
  error?: Record<string, { status: string; message?: string }>;
}

export const WEBHOOK_EVENT_TYPES = [
  'credential.invalidated',
  'credential.recovered',
  'credential.degraded',
  'credential.restored',
  'credential.secret_expiring',
  'budget.tokens_at_risk',
  'audit.unavailable',
  'audit.available',
  'audit.checkpoint',
  'webhook.test',
] as const;

export interface WebhookEndpoint {
  id: string;
  url: string;
  description: string | null;
  eventTypes: string[] | null;
  enabled: boolean;
  disabledReason: string | null;
  previousSecretValidUntil: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The one answer that carries a webhook signing secret: shown once, then dropped. */
export interface IssuedWebhookSecret {
  secret: string;
  previousSecretValidUntil: string | null;
}

export interface WebhookDelivery {
  id: string;
  eventId: string;
  eventType: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  lastStatus: number | null;
  lastResponse: string | null;
  lastError: string | null;
  deliveredAt: string | null;
  createdAt: string;
}

export interface AuditCheckpoint {
  seq: string;
  hash: string;
  anchorSeq: string;
  signedAt: string;
  kid: string;
  jws: string;
}
