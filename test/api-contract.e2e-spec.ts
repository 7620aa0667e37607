import { createPrincipal, CreatedPrincipal } from './support/auth';
import { Contract, Operation } from './support/contract';
import { makeCredential } from './support/credentials';
import { makeTenant } from './support/factories';
import { HttpClient, HttpResult } from './support/http';
import { TEST_ADMIN } from './support/processes';
import { startWorld, taxpayerTenant, TaxpayerSetup, World } from './support/world';

/** A request of a scenario; `as` says who sends it (default: the admin). */
interface Scenario {
  name: string;
  as?: 'admin' | 'service' | 'anonymous';
  path: string;
  body?: unknown;
  raw?: { text: string; type: string };
  headers?: Record<string, string>;
  expect: number;
}

/** What the scenarios act on, made before they run. */
interface Fixtures {
  setup: TaxpayerSetup;
  bareTenantId: string;
  spareTenantId: string;
  spareCredentialId: string;
  sparePrincipalId: string;
  servicePrincipal: CreatedPrincipal;
  webhookId: string;
  spareWebhookId: string;
  webhookDeliveryId: string;
}

const UNKNOWN_ID = '7a1f2d9e-0000-4000-8000-000000000000';
const FORM = 'application/x-www-form-urlencoded';
const form = (fields: Record<string, string>) => ({ text: new URLSearchParams(fields).toString(), type: FORM });
const adminLogin = { grant_type: 'client_credentials', client_id: TEST_ADMIN.clientId, client_secret: TEST_ADMIN.clientSecret };
const basic = (id: string, secret: string) => ({ authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` });

/**
 * Valid and invalid requests for every operation, keyed as the document names it, run in this
 * order (deletions come after what they would break). An operation the document lists without
 * scenarios here fails the suite: a new route gets its requests here with its documentation.
 */
function scenarios(f: Fixtures): Record<string, Scenario[]> {
  const tenant = f.setup.tenant.id;
  const credential = f.setup.credential.id;
  return {
    'GET /health/live': [{ name: 'alive', path: '/health/live', as: 'anonymous', expect: 200 }],
    'GET /health/ready': [{ name: 'ready', path: '/health/ready', as: 'anonymous', expect: 200 }],
    'POST /v1/auth/token': [
      { name: 'a form', path: '/v1/auth/token', as: 'anonymous', raw: form(adminLogin), expect: 200 },
      { name: 'JSON', path: '/v1/auth/token', as: 'anonymous', body: adminLogin, expect: 200 },
      {
        name: 'HTTP Basic',
        path: '/v1/auth/token',
        as: 'anonymous',
        raw: form({ grant_type: 'client_credentials' }),
        headers: basic(TEST_ADMIN.clientId, TEST_ADMIN.clientSecret),
        expect: 200,
      },
      { name: 'another grant', path: '/v1/auth/token', as: 'anonymous', raw: form({ ...adminLogin, grant_type: 'password' }), expect: 400 },
      { name: 'no grant', path: '/v1/auth/token', as: 'anonymous', raw: form({}), expect: 400 },
      { name: 'a wrong secret', path: '/v1/auth/token', as: 'anonymous', raw: form({ ...adminLogin, client_secret: 'wrong' }), expect: 401 },
    ],
    'GET /.well-known/jwks.json': [{ name: 'the keys', path: '/.well-known/jwks.json', as: 'anonymous', expect: 200 }],
    'GET /.well-known/oauth-authorization-server': [{ name: 'the metadata', path: '/.well-known/oauth-authorization-server', as: 'anonymous', expect: 200 }],
    'GET /metrics': [
      { name: 'a scrape', path: '/metrics', expect: 200 },
      { name: 'a service principal', path: '/metrics', as: 'service', expect: 403 },
    ],
    'POST /v1/principals': [
      { name: 'a service', path: '/v1/principals', body: { name: 'contract service', role: 'service', tenantGrants: [tenant] }, expect: 201 },
      { name: 'no role', path: '/v1/principals', body: { name: 'no role' }, expect: 400 },
      { name: 'a grant of no tenant', path: '/v1/principals', body: { name: 'x', role: 'service', tenantGrants: [UNKNOWN_ID] }, expect: 400 },
    ],
    'GET /v1/principals': [
      { name: 'a page', path: '/v1/principals?limit=2', expect: 200 },
      { name: 'a limit of 0', path: '/v1/principals?limit=0', expect: 400 },
      { name: 'an unknown role', path: '/v1/principals?role=root', expect: 400 },
    ],
    'GET /v1/principals/{id}': [
      { name: 'one', path: `/v1/principals/${f.sparePrincipalId}`, expect: 200 },
      { name: 'unknown', path: `/v1/principals/${UNKNOWN_ID}`, expect: 404 },
    ],
    'PATCH /v1/principals/{id}': [
      { name: 'a rename', path: `/v1/principals/${f.sparePrincipalId}`, body: { name: 'renamed' }, expect: 200 },
      { name: 'nothing to change', path: `/v1/principals/${f.sparePrincipalId}`, body: {}, expect: 400 },
      { name: 'unknown', path: `/v1/principals/${UNKNOWN_ID}`, body: { enabled: false }, expect: 404 },
    ],
    'POST /v1/principals/{id}/secret': [
      { name: 'a rotation', path: `/v1/principals/${f.sparePrincipalId}/secret`, expect: 200 },
      { name: 'unknown', path: `/v1/principals/${UNKNOWN_ID}/secret`, expect: 404 },
    ],
    'PUT /v1/principals/{id}/grants': [
      { name: 'new grants', path: `/v1/principals/${f.sparePrincipalId}/grants`, body: { tenantGrants: ['*'] }, expect: 200 },
      { name: 'malformed grants', path: `/v1/principals/${f.sparePrincipalId}/grants`, body: { tenantGrants: ['*', tenant] }, expect: 400 },
    ],
    'GET /v1/tenants': [
      { name: 'as admin', path: '/v1/tenants?environment=sandbox', expect: 200 },
      { name: 'as a service', path: '/v1/tenants', as: 'service', expect: 200 },
      { name: 'a malformed TIN', path: '/v1/tenants?tin=C123', expect: 400 },
      { name: 'a malformed cursor', path: '/v1/tenants?cursor=x', expect: 400 },
      { name: 'by part of the name', path: '/v1/tenants?name=sdn', expect: 200 },
      { name: 'by credential', path: `/v1/tenants?credentialId=${credential}`, expect: 200 },
      { name: 'a malformed credential id', path: '/v1/tenants?credentialId=x', expect: 400 },
    ],
    'POST /v1/tenants': [
      { name: 'a taxpayer', path: '/v1/tenants', body: makeTenant(), expect: 201 },
      { name: 'a TIN taken', path: '/v1/tenants', body: makeTenant({ tin: f.setup.tenant.tin }), expect: 409 },
      { name: 'a placeholder TIN', path: '/v1/tenants', body: makeTenant({ tin: 'EI00000000010' }), expect: 400 },
    ],
    'GET /v1/tenants/{id}': [
      { name: 'as admin', path: `/v1/tenants/${tenant}`, expect: 200 },
      { name: 'as a service granted it', path: `/v1/tenants/${tenant}`, as: 'service', expect: 200 },
      { name: 'unknown', path: `/v1/tenants/${UNKNOWN_ID}`, expect: 404 },
    ],
    'PATCH /v1/tenants/{id}': [
      { name: 'a rename', path: `/v1/tenants/${f.bareTenantId}`, body: { name: 'Renamed Sdn Bhd' }, expect: 200 },
      { name: 'a taxpayer credential another tenant uses', path: `/v1/tenants/${f.bareTenantId}`, body: { credentialId: credential }, expect: 409 },
      { name: 'an unknown status', path: `/v1/tenants/${f.bareTenantId}`, body: { status: 'gone' }, expect: 400 },
      { name: 'unknown', path: `/v1/tenants/${UNKNOWN_ID}`, body: { name: 'x' }, expect: 404 },
    ],
    'POST /v1/credentials': [
      { name: 'a taxpayer credential', path: '/v1/credentials', body: makeCredential(), expect: 201 },
      { name: 'a client ID taken', path: '/v1/credentials', body: makeCredential({ clientId: f.setup.client.clientId }), expect: 409 },
      { name: 'a placeholder client ID', path: '/v1/credentials', body: makeCredential({ clientId: 'YOUR_CLIENT_ID' }), expect: 400 },
    ],
    'GET /v1/credentials': [
      { name: 'a page', path: '/v1/credentials?kind=taxpayer', expect: 200 },
      { name: 'an unknown status', path: '/v1/credentials?status=great', expect: 400 },
      { name: 'expiring soon', path: '/v1/credentials?expiresSoon=true', expect: 200 },
      { name: 'expiresSoon not a boolean', path: '/v1/credentials?expiresSoon=maybe', expect: 400 },
      { name: 'degraded', path: '/v1/credentials?degraded=true', expect: 200 },
      { name: 'degraded not a boolean', path: '/v1/credentials?degraded=yes', expect: 400 },
    ],
    'GET /v1/credentials/{id}/budget': [
      { name: 'one', path: `/v1/credentials/${credential}/budget`, expect: 200 },
      { name: 'unknown', path: `/v1/credentials/${UNKNOWN_ID}/budget`, expect: 404 },
    ],
    'GET /v1/credentials/{id}/logins': [
      { name: 'one', path: `/v1/credentials/${credential}/logins`, expect: 200 },
      { name: 'not a uuid', path: '/v1/credentials/nope/logins', expect: 400 },
      { name: 'unknown', path: `/v1/credentials/${UNKNOWN_ID}/logins`, expect: 404 },
    ],
    'GET /v1/credentials/{id}': [
      { name: 'one', path: `/v1/credentials/${credential}`, expect: 200 },
      { name: 'unknown', path: `/v1/credentials/${UNKNOWN_ID}`, expect: 404 },
    ],
    'PATCH /v1/credentials/{id}': [
      { name: 'a label', path: `/v1/credentials/${f.spareCredentialId}`, body: { label: 'spare', loginRatePerMinute: 10 }, expect: 200 },
      { name: 'nothing to change', path: `/v1/credentials/${f.spareCredentialId}`, body: {}, expect: 400 },
      { name: 'unknown', path: `/v1/credentials/${UNKNOWN_ID}`, body: { label: 'x' }, expect: 404 },
    ],
    'PUT /v1/credentials/{id}/secrets': [
      {
        name: 'new secrets',
        path: `/v1/credentials/${f.spareCredentialId}/secrets`,
        body: { clientSecret: 'a-new-secret', secondaryClientSecret: null },
        expect: 200,
      },
      { name: 'no secret', path: `/v1/credentials/${f.spareCredentialId}/secrets`, body: {}, expect: 400 },
      { name: 'unknown', path: `/v1/credentials/${UNKNOWN_ID}/secrets`, body: { clientSecret: 'x-secret' }, expect: 404 },
    ],
    'POST /v1/credentials/{id}/verify': [
      { name: 'a real login', path: `/v1/credentials/${credential}/verify`, expect: 200 },
      { name: 'a tenant of another credential', path: `/v1/credentials/${credential}/verify`, body: { tenantId: f.bareTenantId }, expect: 400 },
      { name: 'unknown', path: `/v1/credentials/${UNKNOWN_ID}/verify`, body: {}, expect: 404 },
    ],
    'POST /v1/tenants/{id}/token': [
      { name: 'as a service, no body', path: `/v1/tenants/${tenant}/token`, as: 'service', expect: 200 },
      { name: 'with a minimum lifetime', path: `/v1/tenants/${tenant}/token`, body: { minTtlSeconds: 300 }, expect: 200 },
      { name: 'a minimum out of range', path: `/v1/tenants/${tenant}/token`, body: { minTtlSeconds: 99_999 }, expect: 400 },
      { name: 'a tenant without credential', path: `/v1/tenants/${f.bareTenantId}/token`, body: {}, expect: 409 },
      { name: 'unknown', path: `/v1/tenants/${UNKNOWN_ID}/token`, body: {}, expect: 404 },
    ],
    'POST /v1/tenants/{id}/token/invalidate': [
      { name: 'too soon', path: `/v1/tenants/${tenant}/token/invalidate`, as: 'service', expect: 200 },
      { name: 'a token that is not a string', path: `/v1/tenants/${tenant}/token/invalidate`, body: { accessToken: 42 }, expect: 400 },
      { name: 'a tenant without credential', path: `/v1/tenants/${f.bareTenantId}/token/invalidate`, expect: 409 },
    ],
    'GET /v1/tokens': [
      { name: 'a tenant', path: `/v1/tokens?tenantId=${tenant}`, expect: 200 },
      { name: 'an unknown state', path: '/v1/tokens?state=stale', expect: 400 },
    ],
    'GET /v1/admin/vault/status': [{ name: 'the status', path: '/v1/admin/vault/status', expect: 200 }],
    'POST /v1/admin/vault/rewrap': [{ name: 'nothing to move', path: '/v1/admin/vault/rewrap', expect: 200 }],
    'POST /v1/admin/vault/check': [{ name: 'every credential', path: '/v1/admin/vault/check', expect: 200 }],
    'GET /v1/admin/signing-keys': [{ name: 'the keys', path: '/v1/admin/signing-keys', expect: 200 }],
    'POST /v1/admin/signing-keys/rotate': [{ name: 'a new key', path: '/v1/admin/signing-keys/rotate', expect: 200 }],
    'GET /v1/audit-events': [
      { name: 'of a tenant', path: `/v1/audit-events?tenantId=${tenant}&action=token.*&limit=5`, expect: 200 },
      { name: 'from after to', path: '/v1/audit-events?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', expect: 400 },
      { name: 'a week date', path: '/v1/audit-events?from=2026-W01-1', expect: 400 },
    ],
    'GET /v1/audit-events/status': [{ name: 'this replica', path: '/v1/audit-events/status', expect: 200 }],
    'GET /v1/audit-events/verify': [
      { name: 'the chain', path: '/v1/audit-events/verify', expect: 200 },
      { name: 'a malformed from', path: '/v1/audit-events/verify?from=yesterday', expect: 400 },
    ],
    'POST /v1/audit-events/purge': [
      { name: 'older than the retention', path: '/v1/audit-events/purge', body: { olderThanDays: 400 }, expect: 200 },
      { name: 'newer than the retention', path: '/v1/audit-events/purge', body: { olderThanDays: 1 }, expect: 400 },
      { name: 'neither field', path: '/v1/audit-events/purge', body: {}, expect: 400 },
    ],
    'GET /v1/audit-events/checkpoints': [
      { name: 'the latest', path: '/v1/audit-events/checkpoints?limit=5', expect: 200 },
      { name: 'a foreign cursor', path: '/v1/audit-events/checkpoints?cursor=bm90LW91cnM', expect: 400 },
    ],
    'POST /v1/webhooks': [
      { name: 'every event', path: '/v1/webhooks', body: { url: 'https://hooks.example.com/broker' }, expect: 201 },
      {
        name: 'some events',
        path: '/v1/webhooks',
        body: { url: 'https://hooks.example.com/b', eventTypes: ['credential.invalidated'], description: 'SIEM', enabled: false },
        expect: 201,
      },
      { name: 'no url', path: '/v1/webhooks', body: {}, expect: 400 },
      { name: 'a loopback url', path: '/v1/webhooks', body: { url: 'https://127.0.0.1/x' }, expect: 400 },
      { name: 'a link-local url', path: '/v1/webhooks', body: { url: 'https://169.254.169.254/latest' }, expect: 400 },
      { name: 'an unknown event type', path: '/v1/webhooks', body: { url: 'https://hooks.example.com/c', eventTypes: ['token.issued'] }, expect: 400 },
    ],
    'GET /v1/webhooks': [
      { name: 'a page', path: '/v1/webhooks?limit=2', expect: 200 },
      { name: 'a bad limit', path: '/v1/webhooks?limit=0', expect: 400 },
    ],
    'GET /v1/webhooks/{id}': [
      { name: 'one', path: `/v1/webhooks/${f.webhookId}`, expect: 200 },
      { name: 'unknown', path: `/v1/webhooks/${UNKNOWN_ID}`, expect: 404 },
    ],
    'PATCH /v1/webhooks/{id}': [
      { name: 'its events', path: `/v1/webhooks/${f.webhookId}`, body: { eventTypes: null, description: 'all' }, expect: 200 },
      { name: 'nothing', path: `/v1/webhooks/${f.webhookId}`, body: {}, expect: 400 },
      { name: 'a file url', path: `/v1/webhooks/${f.webhookId}`, body: { url: 'file:///etc/passwd' }, expect: 400 },
      { name: 'unknown', path: `/v1/webhooks/${UNKNOWN_ID}`, body: { enabled: true }, expect: 404 },
    ],
    'POST /v1/webhooks/{id}/secret': [
      { name: 'rotated', path: `/v1/webhooks/${f.webhookId}/secret`, expect: 200 },
      { name: 'unknown', path: `/v1/webhooks/${UNKNOWN_ID}/secret`, expect: 404 },
    ],
    'POST /v1/webhooks/{id}/test': [
      { name: 'queued', path: `/v1/webhooks/${f.webhookId}/test`, expect: 202 },
      { name: 'unknown', path: `/v1/webhooks/${UNKNOWN_ID}/test`, expect: 404 },
    ],
    'GET /v1/webhooks/{id}/deliveries': [
      { name: 'pending ones', path: `/v1/webhooks/${f.webhookId}/deliveries?status=pending`, expect: 200 },
      { name: 'a bad status', path: `/v1/webhooks/${f.webhookId}/deliveries?status=lost`, expect: 400 },
      { name: 'unknown', path: `/v1/webhooks/${UNKNOWN_ID}/deliveries`, expect: 404 },
    ],
    'POST /v1/webhooks/{id}/deliveries/{deliveryId}/redeliver': [
      { name: 'again', path: `/v1/webhooks/${f.webhookId}/deliveries/${f.webhookDeliveryId}/redeliver`, expect: 202 },
      { name: 'unknown delivery', path: `/v1/webhooks/${f.webhookId}/deliveries/${UNKNOWN_ID}/redeliver`, expect: 404 },
    ],
    'DELETE /v1/webhooks/{id}': [
      { name: 'one', path: `/v1/webhooks/${f.spareWebhookId}`, expect: 204 },
      { name: 'gone', path: `/v1/webhooks/${f.spareWebhookId}`, expect: 404 },
    ],
    'DELETE /v1/credentials/{id}': [
      { name: 'in use', path: `/v1/credentials/${credential}`, expect: 409 },
      { name: 'unused', path: `/v1/credentials/${f.spareCredentialId}`, expect: 204 },
      { name: 'gone', path: `/v1/credentials/${f.spareCredentialId}`, expect: 404 },
    ],
    'DELETE /v1/tenants/{id}': [
      { name: 'one', path: `/v1/tenants/${f.spareTenantId}`, expect: 204 },
      { name: 'gone', path: `/v1/tenants/${f.spareTenantId}`, expect: 404 },
    ],
    'DELETE /v1/principals/{id}': [
      { name: 'one', path: `/v1/principals/${f.sparePrincipalId}`, expect: 204 },
      { name: 'gone', path: `/v1/principals/${f.sparePrincipalId}`, expect: 404 },
    ],
  };
}

/** Who may call, said in every operation's description. */
const WHO_MAY_CALL = /\b(admin|admins|services?|any principal|anyone)\b/i;
/** Properties that name a record of the broker, and so are UUIDs. */
const ID_PROPERTY = /^(id|(?!client|request|correlation)[a-z]+Id)$/;

/** What the document must say about every operation, whatever it does; one line per gap. */
function gapsIn(operation: Operation, document: Record<string, any>): string[] {
  const { definition: op, key } = operation;
  const gaps: string[] = [];
  const gap = (what: string) => gaps.push(`${key}: ${what}`);
  if (!op.summary) gap('no summary');
  if (!op.description || !WHO_MAY_CALL.test(op.description)) gap('no description saying who may call it');
  if (!op.tags?.length) gap('no tag');
  for (const requirement of op.security ?? []) {
    for (const scheme of Object.keys(requirement)) if (!document.components?.securitySchemes?.[scheme]) gap(`security scheme ${scheme} is not defined`);
  }
  const statuses = Object.keys(op.responses ?? {}).map(Number);
  if (!statuses.some((status) => status >= 200 && status < 300)) gap('no success response');
  const needs = (status: number, why: string) => statuses.includes(status) || gap(`no ${status} response (${why})`);
  if (operation.secured) needs(401, 'it needs a token');
  if (operation.bodyTypes.length) {
    needs(400, 'it has a body');
    needs(413, 'it has a body');
    needs(415, 'it has a body');
    if (!operation.bodyTypes.every((type) => op.requestBody.content[type].schema)) gap('a request body without schema');
    if (!hasExample(op.requestBody)) gap('no example of its request body');
  }
  for (const parameter of op.parameters ?? []) {
    if (!parameter.schema) gap(`parameter ${parameter.name} has no schema`);
    if (parameter.in === 'path') needs(400, `path parameter ${parameter.name}`);
    if (ID_PROPERTY.test(parameter.name) && parameter.schema?.format !== 'uuid') gap(`parameter ${parameter.name} is not format: uuid`);
  }
  for (const [status, response] of Object.entries<any>(op.responses ?? {})) {
    if (!response.description) gap(`${status} has no description`);
    if (Number(status) !== 204 && !response.content) gap(`${status} has no content`);
    for (const [type, media] of Object.entries<any>(response.content ?? {})) {
      if (!media.schema) gap(`${status} ${type} has no schema`);
      else gaps.push(...idsWithoutFormat(media.schema, `${key}: ${status}`));
    }
    if (Number(status) >= 400 && !JSON.stringify(response.content ?? {}).includes('"enum"')) gap(`${status} does not list its error codes`);
    // A health check's 503 is a report for probes, which retry on their own schedule, not a request to come back.
    const asksToComeBack = status === '429' || (status === '503' && !op.tags?.includes('health'));
    if (asksToComeBack && !response.headers?.['Retry-After']) gap(`${status} does not document Retry-After`);
  }
  return gaps;
}

function hasExample(node: unknown): boolean {
  if (typeof node !== 'object' || node === null) return false;
  return Object.entries(node).some(([key, value]) => ((key === 'example' || key === 'examples') && value !== undefined) || hasExample(value));
}

function idsWithoutFormat(schema: Record<string, any>, where: string, seen = new Set<object>()): string[] {
  if (typeof schema !== 'object' || schema === null || seen.has(schema)) return [];
  seen.add(schema);
  const own = Object.entries<any>(schema.properties ?? {})
    .filter(([name, property]) => ID_PROPERTY.test(name) && property.format !== 'uuid')
    .map(([name]) => `${where}: property ${name} is not format: uuid`);
  return [...own, ...Object.values(schema).flatMap((value) => (typeof value === 'object' ? idsWithoutFormat(value, where, seen) : []))];
}

/** The path with every parameter filled in with an id nothing has. */
const anyIds = (path: string) => path.replace(/\{[^}]+\}/g, UNKNOWN_ID);

describe('the API contract (/docs/json)', () => {
  let world: World;
  let contract: Contract;
  let fixtures: Fixtures;
  let clients: Record<'admin' | 'service' | 'anonymous', HttpClient>;

  /** Sends a request and holds its answer to the document; returns it for the test's own checks. */
  async function send(key: string, request: Omit<Scenario, 'expect' | 'name'>, context: string): Promise<HttpResult> {
    const operation = contract.operation(key);
    const client = clients[request.as ?? 'admin'];
    const options = { headers: request.headers, ...(request.raw ? { raw: request.raw.text, contentType: request.raw.type } : {}) };
    const result = await client.request(operation.method, request.path, request.raw ? undefined : request.body, options);
    contract.check(key, result, context);
    return result;
  }

  /** Runs every probe, collecting failures, so that one run names every gap. */
  async function everyOperation(probe: (operation: Operation) => Promise<void>): Promise<string[]> {
    const failures: string[] = [];
    for (const operation of contract.operations) {
      try {
        await probe(operation);
      } catch (error) {
        failures.push(error instanceof Error ? error.message : String(error));
      }
    }
    return failures;
  }

  beforeAll(async () => {
    // A signing key of its own (so that rotation is possible) and a retention (so that a purge is).
    world = await startWorld({ brokerEnv: { AUTH_SIGNING_KEY: '', AUDIT_RETENTION_DAYS: '400' } });
    const admin = world.admins[0];
    contract = await Contract.load(world.brokers[0].url);
    const setup = await taxpayerTenant(world);
    const created = async (path: string, body: unknown) => {
      const response = await admin.post(path, body);
      if (response.status !== 201) throw new Error(`${path}: ${response.status} ${response.text}`);
      return response.body.id as string;
    };
    fixtures = {
      setup,
      bareTenantId: await created('/v1/tenants', makeTenant()),
      spareTenantId: await created('/v1/tenants', makeTenant()),
      spareCredentialId: await created('/v1/credentials', makeCredential()),
      sparePrincipalId: await created('/v1/principals', { name: 'spare', role: 'service' }),
      servicePrincipal: await createPrincipal(world.brokers[0], admin, { name: 'contract caller', tenantGrants: ['*'] }),
      webhookId: await created('/v1/webhooks', { url: 'https://hooks.example.com/contract' }),
      spareWebhookId: await created('/v1/webhooks', { url: 'https://hooks.example.com/spare' }),
      webhookDeliveryId: '',
    };
    fixtures.webhookDeliveryId = (await admin.post(`/v1/webhooks/${fixtures.webhookId}/test`)).body.deliveryId;
    clients = { admin, service: fixtures.servicePrincipal.client, anonymous: new HttpClient(world.brokers[0].url) };
  });

  afterAll(async () => {
    await world?.stop();
  });

  it('is valid OpenAPI 3.1, with the bearer scheme and the client-credentials flow of POST /v1/auth/token', () => {
    expect(contract.document.openapi).toBe('3.1.0');
    expect(contract.document.components.securitySchemes).toEqual({
      bearer: expect.objectContaining({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }),
      oauth2: expect.objectContaining({ type: 'oauth2', flows: { clientCredentials: { tokenUrl: '/v1/auth/token', scopes: {} } } }),
    });
    expect(contract.operations.length).toBeGreaterThanOrEqual(36);
  });

  it.each(['/docs', '/docs/'])('serves the UI at %s with every asset it names', async (page) => {
    const base = `${world.brokers[0].url}${page}`;
    const html = await (await fetch(base)).text();
    const assets = [...html.matchAll(/(?:href|src)="([^"]+)"/g)].map(([, link]) => new URL(link, base).toString());
    expect(assets.length).toBeGreaterThanOrEqual(4);
    for (const asset of assets) expect({ asset, status: (await fetch(asset)).status }).toEqual({ asset, status: 200 });
  });

  it('documents every operation completely', () => {
    expect(contract.operations.flatMap((operation) => gapsIn(operation, contract.document))).toEqual([]);
  });

  it('answers every request without a token with a documented 401', async () => {
    const failures = await everyOperation(async (operation) => {
      if (!operation.secured) return;
      const result = await send(
        operation.key,
        { as: 'anonymous', path: anyIds(operation.path), body: operation.bodyTypes.length ? {} : undefined },
        'no token',
      );
      if (result.status !== 401) throw new Error(`${operation.key} without a token answered ${result.status}`);
    });
    expect(failures).toEqual([]);
  });

  it('answers a service principal, granted every tenant, as documented (403 where it may not call)', async () => {
    const failures = await everyOperation(async (operation) => {
      if (!operation.secured) return;
      await send(operation.key, { as: 'service', path: anyIds(operation.path), body: operation.bodyTypes.length ? {} : undefined }, 'as a service');
    });
    expect(failures).toEqual([]);
  });

  it('answers a path id that is not a UUID with a documented 400 naming it', async () => {
    const failures = await everyOperation(async (operation) => {
      const [, parameter] = /\{([^}]+)\}/.exec(operation.path) ?? [];
      if (!parameter) return;
      const result = await send(
        operation.key,
        { path: operation.path.replace(/\{[^}]+\}/g, 'not-a-uuid'), body: operation.bodyTypes.length ? {} : undefined },
        'malformed id',
      );
      if (result.status !== 400 || result.body.field !== parameter)
        throw new Error(`${operation.key} with a malformed id answered ${result.status} ${result.text}`);
    });
    expect(failures).toEqual([]);
  });

  it('reads only the media types it documents: anything else is a documented 415 naming them', async () => {
    const failures = await everyOperation(async (operation) => {
      if (!['POST', 'PUT', 'PATCH', 'DELETE'].includes(operation.method)) return;
      for (const raw of [form({ name: 'x' }), { text: '<x/>', type: 'application/xml' }, { text: 'x', type: 'text/plain' }]) {
        if (operation.bodyTypes.includes(raw.type)) continue;
        const result = await send(operation.key, { path: anyIds(operation.path), raw, as: operation.secured ? 'admin' : 'anonymous' }, raw.type);
        if (result.status !== 415) throw new Error(`${operation.key} with ${raw.type} answered ${result.status}`);
        const accepted = result.body.acceptedContentTypes ?? operation.bodyTypes;
        if (operation.bodyTypes.length && [...accepted].sort().join() !== [...operation.bodyTypes].sort().join()) {
          throw new Error(`${operation.key} reads ${accepted.join(', ')}; the document says ${operation.bodyTypes.join(', ')}`);
        }
      }
    });
    expect(failures).toEqual([]);
  });

  it('answers malformed and oversized bodies as documented', async () => {
    const failures = await everyOperation(async (operation) => {
      if (!operation.bodyTypes.includes('application/json')) return;
      const as = operation.secured ? 'admin' : 'anonymous';
      const malformed = await send(operation.key, { path: anyIds(operation.path), raw: { text: '{"a":', type: 'application/json' }, as }, 'malformed JSON');
      if (malformed.status !== 400) throw new Error(`${operation.key} with malformed JSON answered ${malformed.status}`);
      const big = await send(operation.key, { path: anyIds(operation.path), body: { pad: 'x'.repeat(70 * 1024) }, as }, 'a body over the limit');
      if (big.status !== 413) throw new Error(`${operation.key} with 70 KiB answered ${big.status}`);
    });
    expect(failures).toEqual([]);
  });

  it('answers a query parameter it does not know as documented', async () => {
    const failures = await everyOperation(async (operation) => {
      if (operation.method !== 'GET' || operation.path.includes('{')) return;
      await send(operation.key, { path: `${operation.path}?bogus=1`, as: operation.secured ? 'admin' : 'anonymous' }, 'an unknown query parameter');
    });
    expect(failures).toEqual([]);
  });

  it("answers every operation's valid and invalid requests with what they call for, as documented", async () => {
    const table = scenarios(fixtures);
    const missing = contract.operations
      .filter((operation) => !table[operation.key])
      .map((operation) => `${operation.key}: no scenario in test/api-contract.e2e-spec.ts`);
    const failures: string[] = [...missing];
    for (const [key, list] of Object.entries(table)) {
      for (const scenario of list) {
        try {
          const result = await send(key, scenario, scenario.name);
          if (result.status !== scenario.expect)
            failures.push(`${key} (${scenario.name}) answered ${result.status}, not ${scenario.expect}: ${result.text.slice(0, 300)}`);
        } catch (error) {
          failures.push(error instanceof Error ? error.message : String(error));
        }
      }
    }
    expect(failures).toEqual([]);
    const neverSucceeded = contract.operations.filter((operation) => ![...(contract.seen.get(operation.key) ?? [])].some((status) => status < 300));
    expect(neverSucceeded.map((operation) => operation.key)).toEqual([]);
    // Nothing a caller sent reached a 500.
    const failed = [...contract.seen].filter(([, statuses]) => [...statuses].some((status) => status >= 500));
    expect(failed).toEqual([]);
  });
});
