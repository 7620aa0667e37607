import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

  function problemsOf(env: Record<string, string>): string[] {
    try {
      loadAppConfig(env);
    } catch (error) {
      if (error instanceof ConfigurationError) return error.problems;
      throw error;
    }
    return [];
  }

  it('in production, lists every missing requirement together with every malformed variable', () => {
    const problems = problemsOf({ NODE_ENV: 'production', PORT: 'many', BOOTSTRAP_ADMIN_CLIENT_ID: 'admin' });
    expect(problems.map((p) => p.split(' ')[0]).sort()).toEqual([
      'AUDIT_FINGERPRINT_KEY',
      'BOOTSTRAP_ADMIN_CLIENT_SECRET',
      'DATABASE_URL',
      'PORT',
      'VAULT_KEYS',
    ]);
    expect(problems.find((p) => p.startsWith('DATABASE_URL'))).toMatch(/not set: production needs its own PostgreSQL/);
    expect(problems.find((p) => p.startsWith('BOOTSTRAP_ADMIN_CLIENT_SECRET'))).toMatch(/set together/);
  });

  it('does not repeat a malformed required variable as missing, nor cross-check it', () => {
    const problems = problemsOf({ NODE_ENV: 'production', DATABASE_URL: 'mysql://x', VAULT_KEYS: 'not-a-ring', AUDIT_FINGERPRINT_KEY: 'short' });
    expect(problems.filter((p) => p.startsWith('DATABASE_URL'))).toHaveLength(1);
    expect(problems.filter((p) => p.startsWith('AUDIT_FINGERPRINT_KEY'))).toEqual([expect.stringMatching(/base64 of at least 32 bytes/)]);
    expect(problems.some((p) => /VAULT_KEYS|not-a-ring/.test(p))).toBe(true);
    expect(problems.join('\n')).not.toContain('mysql://x');
  });

  it('starts in production with everything it needs', () => {
    const config = loadAppConfig({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://broker@db:5432/broker',
      VAULT_KEYS: `v1:${Buffer.alloc(32, 1).toString('base64')}`,
      AUDIT_FINGERPRINT_KEY: Buffer.alloc(32, 2).toString('base64'),
    });
    expect(config.isProduction).toBe(true);
  });

  describe('the PKCS#11 key ring', () => {
    const dir = mkdtempSync(join(tmpdir(), 'config-spec-'));
    const module = join(dir, 'libpkcs11.so');
    const pinFile = join(dir, 'pin');
    writeFileSync(module, '');
    writeFileSync(pinFile, '1234\n');
    const device = { VAULT_KEY_RING: 'pkcs11', VAULT_PKCS11_MODULE: module, VAULT_PKCS11_TOKEN_LABEL: 'broker', VAULT_PKCS11_PIN_FILE: pinFile };

    it('reads the token, the key labels by version, and needs no VAULT_KEYS in production', () => {
      const config = loadAppConfig({
        ...device,
        VAULT_PKCS11_KEYS: 'h1:broker-kek-h1,h2:broker-kek-h2',
        VAULT_ACTIVE_KEY: 'h2',
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://broker@db:5432/broker',
        AUDIT_FINGERPRINT_KEY: Buffer.alloc(32, 2).toString('base64'),
      });
      expect(config.vault).toMatchObject({ keyRing: 'pkcs11', keys: undefined, activeKey: 'h2', dataKeyCacheSeconds: 300 });
      expect(config.vault.pkcs11).toMatchObject({ module, tokenLabel: 'broker', pinFile, pin: undefined, timeoutMs: 3000, sessions: 4 });
      expect([...config.vault.pkcs11!.keyLabels]).toEqual([
        ['h1', 'broker-kek-h1'],
        ['h2', 'broker-kek-h2'],
      ]);
    });

    it('lists every missing or contradictory device variable, without echoing the PIN', () => {
      const problems = problemsOf({
        VAULT_KEY_RING: 'pkcs11',
        VAULT_PKCS11_KEYS: 'h1:kek',
        VAULT_PKCS11_PIN: 'pin-9876',
        VAULT_PKCS11_PIN_FILE: join(dir, 'none'),
      });
      expect(problems).toEqual([
        expect.stringMatching(/^VAULT_PKCS11_MODULE is not set: the PKCS#11 key ring needs it/),
        expect.stringMatching(/^VAULT_PKCS11_TOKEN_LABEL is not set/),
        expect.stringMatching(/^VAULT_PKCS11_PIN and VAULT_PKCS11_PIN_FILE are both set/),
      ]);
      expect(problemsOf({ ...device, VAULT_PKCS11_MODULE: join(dir, 'missing.so'), VAULT_PKCS11_KEYS: 'h1:kek' })).toEqual([
        expect.stringMatching(/no such file/),
      ]);
      expect(problemsOf({ ...device, VAULT_PKCS11_TOKEN_LABEL: 'x'.repeat(33), VAULT_PKCS11_KEYS: 'h1:kek' })).toEqual([expect.stringMatching(/at most 32/)]);
      expect(problemsOf({ ...device, VAULT_PKCS11_KEYS: 'h1:kek', VAULT_PKCS11_TIMEOUT_MS: '5' })).toEqual([expect.stringMatching(/^VAULT_PKCS11_TIMEOUT_MS/)]);
      const malformed = problemsOf({ ...device, VAULT_PKCS11_KEYS: 'h1:kek', VAULT_PKCS11_PIN_FILE: undefined as never, VAULT_PKCS11_PIN: '12', PORT: 'x' });
      expect(malformed.join('\n')).not.toContain('pin-9876');
    });

    it('ignores the device variables with the local key ring, but not PKCS#11 key versions', () => {
      expect(problemsOf({ VAULT_PKCS11_MODULE: join(dir, 'missing.so') })).toEqual([]);
      expect(problemsOf({ VAULT_PKCS11_KEYS: 'h1:kek' })).toEqual([expect.stringMatching(/VAULT_KEY_RING is local/)]);
    });

    it('refuses VAULT_DATA_KEY_CACHE_SECONDS out of range, and takes 0 as no cache', () => {
      expect(loadAppConfig({ VAULT_DATA_KEY_CACHE_SECONDS: '0' }).vault.dataKeyCacheSeconds).toBe(0);
      expect(problemsOf({ VAULT_DATA_KEY_CACHE_SECONDS: '-1' })).toEqual([expect.stringMatching(/^VAULT_DATA_KEY_CACHE_SECONDS/)]);
    });
  });

  it('reads TRUST_PROXY as a boolean or as a list of proxies', () => {
    expect(loadAppConfig({ TRUST_PROXY: 'true' }).http.trustProxy).toBe(true);
    expect(loadAppConfig({ TRUST_PROXY: '0' }).http.trustProxy).toBe(false);
    expect(loadAppConfig({ TRUST_PROXY: '10.0.0.0/8, 192.168.1.5,::1' }).http.trustProxy).toEqual(['10.0.0.0/8', '192.168.1.5', '::1']);
  });

  it('refuses a bootstrap secret with a control character, which could never log in', () => {
    expect(problemsOf({ BOOTSTRAP_ADMIN_CLIENT_ID: 'admin', BOOTSTRAP_ADMIN_CLIENT_SECRET: `${'x'.repeat(32)}\u0007` })).toEqual([
      expect.stringMatching(/^BOOTSTRAP_ADMIN_CLIENT_SECRET .*control characters/),
    ]);
  });

  it.each([
    ['PORT', '0'],
    ['PORT', '65536'],
    ['PORT', '12abc'],
    ['DATABASE_POOL_SIZE', '-1'],
    ['HTTP_BODY_LIMIT_BYTES', '10'],
    ['DATABASE_URL', 'not a url'],
    ['TRUST_PROXY', 'sometimes'],
    ['TRUST_PROXY', '10.0.0.0/33'],
    ['AUTH_LOGIN_ADDRESS_MAX_FAILURES', '0'],
  ])('refuses %s=%s', (name, value) => {
    expect(() => loadAppConfig({ [name]: value })).toThrow(new RegExp(name));
  });

  it('defaults new credentials to 6 logins a minute in the sandbox and 12 in production, and validates the sandbox default', () => {
    expect(loadAppConfig({}).myinvois.defaultLoginRatePerMinute).toEqual({ sandbox: 6, production: 12 });
    expect(loadAppConfig({ MYINVOIS_SANDBOX_LOGIN_RATE_PER_MINUTE: '3' }).myinvois.defaultLoginRatePerMinute.sandbox).toBe(3);
    expect(problemsOf({ MYINVOIS_SANDBOX_LOGIN_RATE_PER_MINUTE: '0' })).toEqual([expect.stringMatching(/^MYINVOIS_SANDBOX_LOGIN_RATE_PER_MINUTE is 0:/)]);
    expect(problemsOf({ MYINVOIS_SANDBOX_LOGIN_RATE_PER_MINUTE: 'six' })).toEqual([expect.stringMatching(/^MYINVOIS_SANDBOX_LOGIN_RATE_PER_MINUTE/)]);
  });

  it('reads the login back-off, refusing a base above the cap', () => {
    expect(loadAppConfig({}).myinvois.loginBackoff).toEqual({ backoffBaseMs: 2000, backoffMaxMs: 60_000 });
    expect(problemsOf({ LOGIN_BACKOFF_BASE_MS: '5000', LOGIN_BACKOFF_MAX_MS: '1000' })).toEqual([
      'LOGIN_BACKOFF_BASE_MS (5000) must not exceed LOGIN_BACKOFF_MAX_MS (1000)',
    ]);
    expect(problemsOf({ REFRESH_BACKOFF_BASE_MS: '600000' })).toEqual(['REFRESH_BACKOFF_BASE_MS (600000) must not exceed REFRESH_BACKOFF_MAX_MS (300000)']);
    expect(problemsOf({ LOGIN_BACKOFF_MAX_MS: '10' })).toEqual([expect.stringMatching(/^LOGIN_BACKOFF_MAX_MS is 10:/)]);
  });

  it('reads the replica heartbeat, refusing a dead-after that a live replica could not beat within', () => {
    expect(loadAppConfig({}).tokens).toMatchObject({ replicaHeartbeatIntervalMs: 1000, replicaDeadAfterSeconds: 3 });
    expect(loadAppConfig({ REPLICA_HEARTBEAT_INTERVAL_MS: '500', REPLICA_DEAD_AFTER_SECONDS: '2' }).tokens).toMatchObject({
      replicaHeartbeatIntervalMs: 500,
      replicaDeadAfterSeconds: 2,
    });
    expect(problemsOf({ REPLICA_HEARTBEAT_INTERVAL_MS: '3000', REPLICA_DEAD_AFTER_SECONDS: '3' })).toEqual([
      expect.stringMatching(/^REPLICA_DEAD_AFTER_SECONDS \(3 s\) must exceed REPLICA_HEARTBEAT_INTERVAL_MS \(3000 ms\)/),
    ]);
    expect(problemsOf({ REPLICA_DEAD_AFTER_SECONDS: '0' })).toEqual([expect.stringMatching(/^REPLICA_DEAD_AFTER_SECONDS is 0:/)]);
    expect(problemsOf({ REPLICA_HEARTBEAT_INTERVAL_MS: 'often' })).toEqual([expect.stringMatching(/^REPLICA_HEARTBEAT_INTERVAL_MS/)]);
  });

  it('takes AUTH_ISSUER as the discovery issuer when it is a URL, and refuses one that cannot be served', () => {
    expect(loadAppConfig({}).auth).toMatchObject({ issuer: 'myinvois-broker', issuerUrl: undefined });
    expect(loadAppConfig({ AUTH_ISSUER: 'https://broker.example.com' }).auth).toMatchObject({
      issuer: 'https://broker.example.com',
      issuerUrl: 'https://broker.example.com',
    });
    expect(problemsOf({ AUTH_ISSUER: 'https://broker.example.com/broker/' })).toEqual([
      expect.stringMatching(/^AUTH_ISSUER is "https:\/\/broker.example.com\/broker\/": AUTH_ISSUER must be the origin callers reach the broker at/),
    ]);
  });
});
