import { issuerUrlProblem } from '../../config/issuer-url';
import { authorizationServerMetadata, issuerFor } from './authorization-server-metadata';

describe('authorization server metadata', () => {
  it('names AUTH_ISSUER as the issuer when it is a URL, whatever host the request reached', () => {
    expect(issuerFor('https://broker.example.com', { protocol: 'http', host: '10.0.0.7:3000' })).toBe('https://broker.example.com');
  });

  it('otherwise names the origin the request reached', () => {
    expect(issuerFor(undefined, { protocol: 'http', host: '127.0.0.1:3000' })).toBe('http://127.0.0.1:3000');
    expect(issuerFor(undefined, { protocol: 'https', host: 'broker.example.com' })).toBe('https://broker.example.com');
    expect(issuerFor(undefined, { protocol: 'http', host: '[::1]:3000' })).toBe('http://[::1]:3000');
  });

  it.each(['', 'evil.example/path', 'a b', 'host:port', 'x"><script>'])('refuses the Host header %j', (host) => {
    expect(() => issuerFor(undefined, { protocol: 'http', host })).toThrow(expect.objectContaining({ code: 'validation_failed' }));
  });

  it('puts every endpoint under the issuer', () => {
    expect(authorizationServerMetadata('https://broker.example.com')).toEqual({
      issuer: 'https://broker.example.com',
      token_endpoint: 'https://broker.example.com/v1/auth/token',
      jwks_uri: 'https://broker.example.com/.well-known/jwks.json',
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      response_types_supported: [],
      access_token_signing_alg_values_supported: ['ES256'],
      service_documentation: 'https://broker.example.com/docs',
    });
  });

  it.each([
    ['https://broker.example.com', undefined],
    ['http://localhost:3000', undefined],
    ['https://broker.example.com/', /no path/],
    ['https://broker.example.com/broker', /no path/],
    ['https://broker.example.com?x=1', /no path/],
    ['https://user:pw@broker.example.com', /credentials/],
    ['https://', /not a valid URL/],
  ])('takes %j as an issuer URL: %s', (value, problem) => {
    if (problem) expect(issuerUrlProblem(value)).toMatch(problem);
    else expect(issuerUrlProblem(value)).toBeUndefined();
  });
});
