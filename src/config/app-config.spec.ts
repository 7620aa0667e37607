import { loadAppConfig } from './app-config';
import { ConfigurationError } from './environment-validation';

describe('configuration', () => {
  it('applies the documented defaults', () => {
    const config = loadAppConfig({});
    expect(config.http.port).toBe(3000);
    expect(config.http.bodyLimitBytes).toBe(65536);
    expect(config.database).toMatchObject({ url: undefined, poolSize: 10, migrationsRun: true, embeddedPort: 54329 });
    expect(config.logLevel).toBe('info');
    expect(config.nodeEnv).toBe('development');
    expect(config.isProduction).toBe(false);
  });

  it('reads typed values, treating empty strings as unset', () => {
    const config = loadAppConfig({ PORT: '8080', MIGRATIONS_RUN: 'false', DATABASE_POOL_SIZE: '', DATABASE_URL: 'postgresql://u@h:5/db' });
    expect(config.http.port).toBe(8080);
    expect(config.database.migrationsRun).toBe(false);
    expect(config.database.poolSize).toBe(10);
    expect(config.database.url).toBe('postgresql://u@h:5/db');
  });

  it('lists every bad variable in one error, once each, without echoing secrets', () => {
    let error: unknown;
    try {
      loadAppConfig({ PORT: '3.5', MIGRATIONS_RUN: 'maybe', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://user:pw@host/db', NODE_ENV: 'staging' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    const problems = (error as ConfigurationError).problems;
    expect(problems.map((p) => p.split(' ')[0]).sort()).toEqual(['DATABASE_URL', 'LOG_LEVEL', 'MIGRATIONS_RUN', 'NODE_ENV', 'PORT']);
    expect((error as Error).message).not.toContain('pw@host');
  });

  it.each([
    ['PORT', '0'],
    ['PORT', '65536'],
    ['PORT', '12abc'],
    ['DATABASE_POOL_SIZE', '-1'],
    ['HTTP_BODY_LIMIT_BYTES', '10'],
    ['DATABASE_URL', 'not a url'],
    ['TRUST_PROXY', 'sometimes'],
  ])('refuses %s=%s', (name, value) => {
    expect(() => loadAppConfig({ [name]: value })).toThrow(new RegExp(name));
  });
});
