import { HttpClient } from './http';
import { ServiceProcess, TEST_ADMIN } from './processes';

/** Client-credentials login against the broker's /v1/auth/token; throws unless it succeeds. */
export async function brokerToken(broker: ServiceProcess, clientId: string, clientSecret: string): Promise<string> {
  const response = await fetch(`${broker.url}/v1/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }),
  });
  const body = (await response.json()) as { access_token?: string };
  if (response.status !== 200 || !body.access_token) throw new Error(`login of ${clientId} failed: ${response.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

/** An HttpClient acting as the bootstrap admin. */
export async function adminClient(broker: ServiceProcess): Promise<HttpClient> {
  return new HttpClient(broker.url).withToken(await brokerToken(broker, TEST_ADMIN.clientId, TEST_ADMIN.clientSecret));
}

export interface CreatedPrincipal {
  id: string;
  clientId: string;
  clientSecret: string;
  client: HttpClient;
}

/** Creates a principal through the admin API and logs it in. */
export async function createPrincipal(
  broker: ServiceProcess,
  admin: HttpClient,
  input: { name?: string; role?: 'admin' | 'service'; tenantGrants?: string[]; externalSubject?: string } = {},
): Promise<CreatedPrincipal> {
  const response = await admin.post('/v1/principals', { name: input.name ?? 'test service', role: input.role ?? 'service', ...input });
  if (response.status !== 201) throw new Error(`creating a principal failed: ${response.status} ${response.text}`);
  const { id, clientId, clientSecret } = response.body as { id: string; clientId: string; clientSecret: string };
  const token = await brokerToken(broker, clientId, clientSecret);
  return { id, clientId, clientSecret, client: new HttpClient(broker.url).withToken(token) };
}
