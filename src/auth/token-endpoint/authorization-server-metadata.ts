import { ValidationFailedError } from '../../common/domain-error';
import type { AuthorizationServerMetadataDto } from '../signing-keys/dto/signing-key.dto';
import { TOKEN_SIGNING_ALGORITHM } from '../signing-keys/token-signing-algorithm';

export const TOKEN_PATH = '/v1/auth/token';
export const JWKS_PATH = '/.well-known/jwks.json';
export const METADATA_PATH = '/.well-known/oauth-authorization-server';

/** Host[:port] as a Host header may name it: a name, IPv4 or bracketed IPv6, and a port. */
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * The issuer the metadata names: AUTH_ISSUER when it is a URL (the tokens' `iss` then agrees),
 * otherwise the origin the request reached, as the load balancer says with TRUST_PROXY.
 */
export function issuerFor(issuerUrl: string | undefined, request: { protocol: string; host: string }): string {
  if (issuerUrl) return issuerUrl;
  if (!HOST.test(request.host)) throw ValidationFailedError.field('host', 'the Host header does not name a host');
  return `${request.protocol}://${request.host}`;
}

/** RFC 8414 metadata: what a standard OAuth client needs to log in with the client-credentials grant. */
export function authorizationServerMetadata(issuer: string): AuthorizationServerMetadataDto {
  return {
    issuer,
    token_endpoint: `${issuer}${TOKEN_PATH}`,
    jwks_uri: `${issuer}${JWKS_PATH}`,
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    // Required by RFC 8414, and honest: there is no authorization endpoint.
    response_types_supported: [],
    access_token_signing_alg_values_supported: [TOKEN_SIGNING_ALGORITHM],
    service_documentation: `${issuer}/docs`,
  };
}
