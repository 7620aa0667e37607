// Every call the console makes, one function per route of the broker's public REST API.
import { publicRequest, Query, request } from './http';
import type {
  AuditCheckpoint,
  AuditEvent,
  AuditStatus,
  ChainVerification,
  Credential,
  CredentialBudget,
  CredentialLogins,
  CredentialVerification,
  IntegrityReport,
  IssuedPrincipalSecret,
  Page,
  Principal,
  Readiness,
  RewrapSummary,
  SigningKey,
  Tenant,
  TokenKeyState,
  VaultStatus,
  IssuedWebhookSecret,
  WebhookDelivery,
  WebhookEndpoint,
} from './types';

const id = (value: string) => encodeURIComponent(value);

export const tenants = {
  list: (query: Query) => request<Page<Tenant>>('GET', '/v1/tenants', { query }),
  get: (tenantId: string) => request<Tenant>('GET', `/v1/tenants/${id(tenantId)}`),
  create: (body: { name: string; tin: string; brn?: string; environment: string }) => request<Tenant>('POST', '/v1/tenants', { body }),
  update: (tenantId: string, body: Record<string, unknown>) => request<Tenant>('PATCH', `/v1/tenants/${id(tenantId)}`, { body }),
  remove: (tenantId: string) => request<void>('DELETE', `/v1/tenants/${id(tenantId)}`),
};

export const credentials = {
  list: (query: Query) => request<Page<Credential>>('GET', '/v1/credentials', { query }),
  get: (credentialId: string) => request<Credential>('GET', `/v1/credentials/${id(credentialId)}`),
  create: (body: Record<string, unknown>) => request<Credential>('POST', '/v1/credentials', { body }),
  update: (credentialId: string, body: Record<string, unknown>) => request<Credential>('PATCH', `/v1/credentials/${id(credentialId)}`, { body }),
  replaceSecrets: (credentialId: string, body: Record<string, unknown>) => request<Credential>('PUT', `/v1/credentials/${id(credentialId)}/secrets`, { body }),
  verify: (credentialId: string, tenantId?: string) =>
    request<CredentialVerification>('POST', `/v1/credentials/${id(credentialId)}/verify`, { body: tenantId ? { tenantId } : {} }),
  remove: (credentialId: string) => request<void>('DELETE', `/v1/credentials/${id(credentialId)}`),
  budget: (credentialId: string) => request<CredentialBudget>('GET', `/v1/credentials/${id(credentialId)}/budget`),
  logins: (credentialId: string) => request<CredentialLogins>('GET', `/v1/credentials/${id(credentialId)}/logins`),
};

export const tokens = {
  list: (query: Query) => request<Page<TokenKeyState>>('GET', '/v1/tokens', { query }),
};

export const audit = {
  list: (query: Query) => request<Page<AuditEvent>>('GET', '/v1/audit-events', { query }),
  verify: (query: Query = {}) => request<ChainVerification>('GET', '/v1/audit-events/verify', { query }),
  status: () => request<AuditStatus>('GET', '/v1/audit-events/status'),
  checkpoints: (query: Query) => request<Page<AuditCheckpoint>>('GET', '/v1/audit-events/checkpoints', { query }),
};

export const webhooks = {
  list: (query: Query) => request<Page<WebhookEndpoint>>('GET', '/v1/webhooks', { query }),
  get: (endpointId: string) => request<WebhookEndpoint>('GET', `/v1/webhooks/${id(endpointId)}`),
  create: (body: Record<string, unknown>) => request<WebhookEndpoint & { secret: string }>('POST', '/v1/webhooks', { body }),
  update: (endpointId: string, body: Record<string, unknown>) => request<WebhookEndpoint>('PATCH', `/v1/webhooks/${id(endpointId)}`, { body }),
  remove: (endpointId: string) => request<void>('DELETE', `/v1/webhooks/${id(endpointId)}`),
  rotateSecret: (endpointId: string) => request<IssuedWebhookSecret>('POST', `/v1/webhooks/${id(endpointId)}/secret`),
  sendTest: (endpointId: string) => request<{ eventId: string; deliveryId: string }>('POST', `/v1/webhooks/${id(endpointId)}/test`),
  deliveries: (endpointId: string, query: Query) => request<Page<WebhookDelivery>>('GET', `/v1/webhooks/${id(endpointId)}/deliveries`, { query }),
  redeliver: (endpointId: string, deliveryId: string) =>
    request<WebhookDelivery>('POST', `/v1/webhooks/${id(endpointId)}/deliveries/${id(deliveryId)}/redeliver`),
};

export const principals = {
  list: (query: Query) => request<Page<Principal>>('GET', '/v1/principals', { query }),
  get: (principalId: string) => request<Principal>('GET', `/v1/principals/${id(principalId)}`),
  create: (body: Record<string, unknown>) => request<Principal & IssuedPrincipalSecret>('POST', '/v1/principals', { body }),
  update: (principalId: string, body: { name?: string; enabled?: boolean }) => request<Principal>('PATCH', `/v1/principals/${id(principalId)}`, { body }),
  rotateSecret: (principalId: string) => request<IssuedPrincipalSecret>('POST', `/v1/principals/${id(principalId)}/secret`),
  replaceGrants: (principalId: string, tenantGrants: string[]) =>
    request<Principal>('PUT', `/v1/principals/${id(principalId)}/grants`, { body: { tenantGrants } }),
  remove: (principalId: string) => request<void>('DELETE', `/v1/principals/${id(principalId)}`),
};

export const vault = {
  status: () => request<VaultStatus>('GET', '/v1/admin/vault/status'),
  rewrap: () => request<RewrapSummary>('POST', '/v1/admin/vault/rewrap'),
  check: () => request<IntegrityReport>('POST', '/v1/admin/vault/check'),
};

export const signingKeys = {
  list: () => request<SigningKey[]>('GET', '/v1/admin/signing-keys'),
  rotate: () => request<SigningKey[]>('POST', '/v1/admin/signing-keys/rotate'),
};

export const health = {
  ready: () => publicRequest<Readiness>('/health/ready'),
};
