import createClient from 'openapi-fetch';
// Written by openapi-typescript from the served document when the test runs (git ignores it).
import type { paths } from './generated/broker-api';

export interface ServiceCredentials {
  clientId: string;
  clientSecret: string;
}

export interface ServiceFlowResult {
  firstToken: string;
  expiresAt: string;
  invalidation: string;
  secondToken: string;
  /** The code of the answer for a tenant the service is not granted. */
  refusedCode: string;
}

/**
 * The README's flow for an internal service ("Tokens for internal services"), written against a
 * client generated from the OpenAPI document alone: log in, get a tenant's token, tell the broker
 * MyInvois refused it, get the next one. It compiles only if the document types what it uses.
 */
export async function runServiceFlow(
  baseUrl: string,
  service: ServiceCredentials,
  tenantId: string,
  ungrantedTenantId: string,
  waitForCooldown: () => Promise<void>,
): Promise<ServiceFlowResult> {
  // 1. log in to the broker, form-encoded as the README does.
  const login = await createClient<paths>({ baseUrl }).POST('/v1/auth/token', {
    body: { grant_type: 'client_credentials', client_id: service.clientId, client_secret: service.clientSecret },
    bodySerializer: (body) => new URLSearchParams(body as Record<string, string>).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  if (!login.data) throw new Error(`login: ${login.response.status} ${JSON.stringify(login.error)}`);
  const broker = createClient<paths>({ baseUrl, headers: { authorization: `Bearer ${login.data.access_token}` } });

  // 2. a MyInvois token for the tenant, with at least 5 minutes left.
  const first = await broker.POST('/v1/tenants/{id}/token', { params: { path: { id: tenantId } }, body: { minTtlSeconds: 300 } });
  if (!first.data) throw new Error(`token: ${first.response.status} ${JSON.stringify(first.error)}`);

  // 4. MyInvois answered 401 to it: tell the broker (after the cooldown), then ask again.
  await waitForCooldown();
  const invalidated = await broker.POST('/v1/tenants/{id}/token/invalidate', {
    params: { path: { id: tenantId } },
    body: { accessToken: first.data.access_token },
  });
  if (!invalidated.data) throw new Error(`invalidate: ${invalidated.response.status} ${JSON.stringify(invalidated.error)}`);
  const second = await broker.POST('/v1/tenants/{id}/token', { params: { path: { id: tenantId } } });
  if (!second.data) throw new Error(`token again: ${second.response.status} ${JSON.stringify(second.error)}`);

  // Errors are typed too: `code` is one of the codes the document lists for the operation.
  const refused = await broker.POST('/v1/tenants/{id}/token', { params: { path: { id: ungrantedTenantId } } });
  if (refused.error?.code !== 'tenant_not_found') throw new Error(`a tenant not granted: ${refused.response.status} ${JSON.stringify(refused.error)}`);

  return {
    firstToken: first.data.access_token,
    expiresAt: first.data.expires_at,
    invalidation: invalidated.data.result,
    secondToken: second.data.access_token,
    refusedCode: refused.error.code,
  };
}
