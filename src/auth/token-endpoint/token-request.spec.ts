import { OAuthError } from '../../common/oauth.error';
import { parseTokenRequest } from './token-request';

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

function refusal(body: unknown, authorization?: string): { error: string; description: string } {
  try {
    parseTokenRequest(body, authorization);
  } catch (error) {
    if (error instanceof OAuthError) return { error: error.error, description: error.description };
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('parseTokenRequest', () => {
  it('reads credentials from the body', () => {
    expect(parseTokenRequest({ grant_type: 'client_credentials', client_id: 'a', client_secret: 'b' }, undefined)).toEqual({
      clientId: 'a',
      clientSecret: 'b',
    });
  });

  it('reads credentials from HTTP Basic, form-decoding both parts', () => {
    expect(parseTokenRequest({ grant_type: 'client_credentials' }, basic('id:with colon', 's+cret/=%'))).toEqual({
      clientId: 'id:with colon',
      clientSecret: 's+cret/=%',
    });
  });

  it.each([
    [{}, undefined, 'invalid_request', /grant_type is required/],
    [undefined, undefined, 'invalid_request', /grant_type is required/],
    [{ grant_type: 'password', client_id: 'a', client_secret: 'b' }, undefined, 'unsupported_grant_type', /client_credentials/],
    [{ grant_type: ['client_credentials', 'x'] }, undefined, 'invalid_request', /once/],
    [{ grant_type: 'client_credentials', client_secret: 'b' }, undefined, 'invalid_request', /client_id is required/],
    [{ grant_type: 'client_credentials', client_id: 'a' }, undefined, 'invalid_request', /client_secret is required/],
    [{ grant_type: 'client_credentials', client_id: 'a', client_secret: 5 }, undefined, 'invalid_request', /client_secret must be/],
    [{ grant_type: 'client_credentials', client_id: 'a', client_secret: 'x'.repeat(513) }, undefined, 'invalid_request', /longer/],
    [{ grant_type: 'client_credentials', client_id: 'a', client_secret: 'b' }, basic('a', 'b'), 'invalid_request', /not both/],
    [{ grant_type: 'client_credentials' }, 'Basic !!!', 'invalid_request', /malformed/],
    [{ grant_type: 'client_credentials' }, `Basic ${Buffer.from('nocolon').toString('base64')}`, 'invalid_request', /malformed/],
    [{ grant_type: 'client_credentials', client_id: 'a\u0000', client_secret: 'b' }, undefined, 'invalid_request', /client_id must not contain control/],
    [{ grant_type: 'client_credentials', client_id: '\ud800', client_secret: 'b' }, undefined, 'invalid_request', /client_id .*unpaired surrogates/],
    [{ grant_type: 'client_credentials', client_id: 'a', client_secret: 'b\u001b' }, undefined, 'invalid_request', /client_secret must not contain/],
    [{ grant_type: 'client_credentials' }, basic('a\u0000', 'b'), 'invalid_request', /client_id must not contain/],
    [{ grant_type: 'client_credentials' }, basic('x'.repeat(513), 'b'), 'invalid_request', /client_id is longer/],
    [{ grant_type: 'client_credentials' }, basic('a', ''), 'invalid_request', /client_secret is required/],
  ])('refuses %j (%s) with %s', (body, authorization, error, description) => {
    const result = refusal(body, authorization);
    expect(result.error).toBe(error);
    expect(result.description).toMatch(description);
  });
});
