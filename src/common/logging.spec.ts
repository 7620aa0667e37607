import { Writable } from 'node:stream';
import pino from 'pino';
import { AppConfig } from '../config/app-config';
import { validateEnvironment } from '../config/environment-validation';
import { AppEnvironment } from '../config/app-environment';
import { pinoOptions, REDACTED_KEYS, requestIdFor, scrubSecrets, urlForLog } from './logging';

function capture(): { logger: pino.Logger; lines: () => string } {
  let output = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      output += chunk.toString();
      done();
    },
  });
  const config = new AppConfig(validateEnvironment(AppEnvironment, { LOG_LEVEL: 'info' }));
  return { logger: pino(pinoOptions(config), stream), lines: () => output };
}

describe('log redaction', () => {
  it.each(REDACTED_KEYS)('removes %s at any depth', (key) => {
    const { logger, lines } = capture();
    const secret = `secret-value-for-${key}`;
    logger.info({ [key]: secret, a: { [key]: secret, b: { [key]: secret, c: { [key]: secret, d: { [key]: secret } } } } }, 'x');
    expect(lines()).not.toContain(secret);
    expect(lines()).toContain('[redacted]');
  });

  it('keeps other fields', () => {
    const { logger, lines } = capture();
    logger.info({ clientId: 'visible-client-id', nested: { tenantId: 'visible-tenant' } }, 'x');
    expect(lines()).toContain('visible-client-id');
    expect(lines()).toContain('visible-tenant');
  });
});

describe('request ids', () => {
  const request = (id?: string) => ({ headers: id === undefined ? {} : { 'x-request-id': id } }) as never;

  it('keeps a well-formed caller id and replaces a malformed one', () => {
    expect(requestIdFor(request('abc-123:x.y'))).toBe('abc-123:x.y');
    expect(requestIdFor(request('has space'))).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdFor(request('x'.repeat(129)))).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdFor(request())).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('scrubSecrets', () => {
  it('leaves class instances (errors, requests) to their serializers and keeps look-alike keys', () => {
    const error = new Error('boom');
    const scrubbed = scrubSecrets({ err: error, secretsSet: 2, nested: [{ Authorization: 'Bearer x' }] });
    expect(scrubbed.err).toBe(error);
    expect(scrubbed.secretsSet).toBe(2);
    expect(scrubbed.nested[0].Authorization).toBe('[redacted]');
  });
});

describe('urlForLog', () => {
  it('keeps the path and the names of query parameters, never their values', () => {
    expect(urlForLog('/v1/tenants?tin=eyJtoken&limit=5')).toBe('/v1/tenants?tin=&limit=');
    expect(urlForLog('/v1/tenants')).toBe('/v1/tenants');
    expect(urlForLog('/v1/tenants?flag&&x=1')).toBe('/v1/tenants?flag=&x=');
  });
});
