import { isPlainText } from '../../common/formats';
import { OAuthError } from '../../common/oauth.error';

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

const MAX_LENGTH = 512;

/**
 * Reads an RFC 6749 client-credentials request: the body (form-encoded or JSON) holds
 * `grant_type`, and the client authenticates in the body or with HTTP Basic, not both.
 */
export function parseTokenRequest(body: unknown, authorization: string | undefined): ClientCredentials {
  const fields = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const grantType = fields.grant_type;
  if (grantType === undefined || grantType === '') throw new OAuthError('invalid_request', 'grant_type is required');
  if (typeof grantType !== 'string') throw new OAuthError('invalid_request', 'grant_type must be given once, as a string');
  if (grantType !== 'client_credentials') {
    throw new OAuthError('unsupported_grant_type', 'only grant_type=client_credentials is supported');
  }

  const basic = authorization ? parseBasic(authorization) : undefined;
  const inBody = fields.client_id !== undefined || fields.client_secret !== undefined;
  if (basic && inBody) throw new OAuthError('invalid_request', 'authenticate the client either in the body or with HTTP Basic, not both');
  if (basic) return { clientId: checked('client_id', basic.clientId), clientSecret: checked('client_secret', basic.clientSecret) };
  return { clientId: checked('client_id', fields.client_id), clientSecret: checked('client_secret', fields.client_secret) };
}

/**
 * RFC 6749 allows only printable characters in both. A NUL would fail the client ID's lookup
 * (PostgreSQL refuses it in text) and a lone surrogate the audit event's jsonb.
 */
function checked(name: string, value: unknown): string {
  if (value === undefined || value === '') throw new OAuthError('invalid_request', `${name} is required`);
  if (typeof value !== 'string') throw new OAuthError('invalid_request', `${name} must be given once, as a string`);
  if (value.length > MAX_LENGTH) throw new OAuthError('invalid_request', `${name} is longer than ${MAX_LENGTH} characters`);
  if (!isPlainText(value)) throw new OAuthError('invalid_request', `${name} must not contain control characters or unpaired surrogates`);
  return value;
}

function parseBasic(header: string): ClientCredentials | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/]+=*)\s*$/i.exec(header);
  if (!match) {
    if (/^Basic\b/i.test(header)) throw new OAuthError('invalid_request', 'malformed HTTP Basic credentials');
    return undefined;
  }
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) throw new OAuthError('invalid_request', 'malformed HTTP Basic credentials');
  try {
    // RFC 6749 §2.3.1: both parts are form-urlencoded before they are joined.
    return {
      clientId: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
      clientSecret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
    };
  } catch {
    throw new OAuthError('invalid_request', 'malformed HTTP Basic credentials');
  }
}
