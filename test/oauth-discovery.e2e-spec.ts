import * as oauth from 'openid-client';
import { TEST_ADMIN } from './support/processes';
import { claimsOf, extraBroker, startWorld, World } from './support/world';

/** What a standard OAuth client does: configure itself from the broker's metadata, then log in. */
async function discover(issuer: string, auth: oauth.ClientAuth, options: oauth.DiscoveryRequestOptions = {}): Promise<oauth.Configuration> {
  // The brokers under test speak plain HTTP; openid-client refuses that unless told.
  return oauth.discovery(new URL(issuer), TEST_ADMIN.clientId, undefined, auth, { execute: [oauth.allowInsecureRequests], algorithm: 'oauth2', ...options });
}

describe('discovery for standard OAuth clients (RFC 8414)', () => {
  let world: World;

  beforeAll(async () => {
    world = await startWorld({ brokerEnv: { TRUST_PROXY: 'true' } });
  });

  afterAll(async () => {
    await world?.stop();
  });

  it.each([
    ['HTTP Basic', oauth.ClientSecretBasic(TEST_ADMIN.clientSecret)],
    ['the form body', oauth.ClientSecretPost(TEST_ADMIN.clientSecret)],
  ])('lets openid-client discover the broker and get a token, authenticating with %s', async (_case, auth) => {
    const broker = world.brokers[0];
    const config = await discover(broker.url, auth);
    expect(config.serverMetadata()).toMatchObject({
      issuer: broker.url,
      token_endpoint: `${broker.url}/v1/auth/token`,
      jwks_uri: `${broker.url}/.well-known/jwks.json`,
      grant_types_supported: ['client_credentials'],
    });
    const tokens = await oauth.clientCredentialsGrant(config);
    expect(tokens).toMatchObject({ token_type: 'bearer', expires_in: 900 });
    const tenants = await fetch(`${broker.url}/v1/tenants`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(tenants.status).toBe(200);
  });

  it('answers a wrong secret with the RFC 6749 error openid-client expects', async () => {
    const config = await discover(world.brokers[0].url, oauth.ClientSecretPost('not-the-secret'));
    await expect(oauth.clientCredentialsGrant(config)).rejects.toMatchObject({ error: 'invalid_client', status: 401 });
  });

  it('names as issuer the origin the load balancer was asked for, with TRUST_PROXY', async () => {
    const response = await fetch(`${world.brokers[0].url}/.well-known/oauth-authorization-server`, {
      headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'broker.example.com' },
    });
    expect(await response.json()).toMatchObject({ issuer: 'https://broker.example.com', token_endpoint: 'https://broker.example.com/v1/auth/token' });
  });

  it('serves AUTH_ISSUER as the issuer when it is a URL, which a client behind a load balancer discovers and logs in through', async () => {
    const publicUrl = 'https://broker.example.com';
    const { broker } = await extraBroker(world, { AUTH_ISSUER: publicUrl });
    try {
      // What the load balancer does: requests for the public origin reach the broker, headers and all.
      const throughBalancer: oauth.CustomFetch = (url, options) => fetch(url.replace(publicUrl, broker.url), options as RequestInit);
      const config = await discover(publicUrl, oauth.ClientSecretBasic(TEST_ADMIN.clientSecret), { [oauth.customFetch]: throughBalancer });
      expect(config.serverMetadata().issuer).toBe(publicUrl);
      // Whatever host the request named: the issuer is the configured one.
      const direct = await fetch(`${broker.url}/.well-known/oauth-authorization-server`, { headers: { 'x-forwarded-host': 'elsewhere.example' } });
      expect(((await direct.json()) as { issuer: string }).issuer).toBe(publicUrl);
      const tokens = await oauth.clientCredentialsGrant(config);
      expect(claimsOf(tokens.access_token)).toMatchObject({ iss: publicUrl });
      expect((await fetch(`${broker.url}/v1/tenants`, { headers: { authorization: `Bearer ${tokens.access_token}` } })).status).toBe(200);
    } finally {
      await broker.stop();
    }
  });
});
