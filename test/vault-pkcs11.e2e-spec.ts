import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeCredential } from './support/credentials';
import { HttpClient } from './support/http';
import { metric } from './support/metrics';
import { ServiceProcess, startBroker } from './support/processes';
import { eventually } from './support/simulator';
import { CREATE_KEY_COMMAND, SoftHsmToken } from './support/softhsm';
import { extraBroker, startWorld, taxpayerTenant, World } from './support/world';

const run = promisify(execFile);

describe('master keys in a PKCS#11 token (SoftHSM2)', () => {
  let token: SoftHsmToken;
  let world: World;
  let env: Record<string, string>;

  beforeAll(async () => {
    token = await SoftHsmToken.create();
    await token.createKey('kek-h1');
    env = token.brokerEnv('h1:kek-h1', { VAULT_PKCS11_TIMEOUT_MS: '1000', TOKEN_INVALIDATE_COOLDOWN_SECONDS: '0' });
    world = await startWorld({ brokerEnv: env });
  });

  afterAll(async () => {
    await world?.stop();
    token?.destroy();
  });

  const tokenFor = (admin: HttpClient, tenantId: string) => admin.post(`/v1/tenants/${tenantId}/token`, {});

  it('stores credentials with data keys wrapped in the token, and issues tokens with them', async () => {
    const admin = world.admins[0];
    const setup = await taxpayerTenant(world);
    const [row] = await world.database.query<{ key_version: string; data_key_wrapped: Buffer }>(
      'SELECT key_version, data_key_wrapped FROM credentials WHERE id = $1',
      [setup.credential.id],
    );
    // [format 0x02][IV 12][data key 32][GCM tag 16]
    expect({ version: row.key_version, format: row.data_key_wrapped[0], length: row.data_key_wrapped.length }).toEqual({
      version: 'h1',
      format: 2,
      length: 61,
    });
    const issued = await tokenFor(admin, setup.tenant.id);
    expect(issued.status).toBe(200);
    expect(issued.body.access_token).toEqual(expect.any(String));

    const status = (await admin.get('/v1/admin/vault/status')).body;
    expect(status).toMatchObject({ activeVersion: 'h1', ringVersions: ['h1'], rings: [{ kind: 'pkcs11', versions: ['h1'], available: true }] });
    const ready = await new HttpClient(world.brokers[0].url).get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.details.keyRing).toMatchObject({ status: 'up', available: true, rings: [{ kind: 'pkcs11', available: true }] });
    expect(world.brokers[0].logs()).toMatch(/"msg":"PKCS#11 token opened"/);
  });

  it('finds its keys by label again after a restart: stored tokens open and new logins work', async () => {
    const setup = await taxpayerTenant(world);
    const first = await tokenFor(world.admins[0], setup.tenant.id);
    const { broker, admin } = await extraBroker(world, env);
    try {
      const again = await tokenFor(admin, setup.tenant.id);
      expect(again.body.access_token).toBe(first.body.access_token);
      expect((await world.simulator.counters(setup.client.clientId)).logins).toBe(1);
      const other = await taxpayerTenant(world);
      expect((await tokenFor(admin, other.tenant.id)).status).toBe(200);
    } finally {
      await broker.stop();
    }
  });

  it('keeps the master key in the token: its value cannot be read, nor wrapped out', () => {
    expect(token.tryToTakeOut('kek-h1')).toEqual({ readValue: 'CKR_ATTRIBUTE_SENSITIVE', wrapOut: 'CKR_KEY_UNEXTRACTABLE' });
  });

  it('creates key versions with npm run vault:create-key, and explains its usage', async () => {
    const command = (args: string[]) =>
      run(process.execPath, [CREATE_KEY_COMMAND, ...args], { env: { ...token.softhsmEnv(), ...env } }).then(
        ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
        (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
      );
    const help = await command(['--help']);
    expect(help).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Usage: npm run vault:create-key -- --label <key label>/) });
    const unknown = await command(['--lable', 'x']);
    expect(unknown).toMatchObject({ code: 2, stderr: expect.stringMatching(/Unknown option '--lable'[\s\S]*Usage:/) });
    expect(await command([])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--label is required/) });
    expect(await command(['--label', 'has space'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/is not a key label/) });
    expect(await command(['--label', 'kek-h1'])).toMatchObject({ code: 1, stderr: expect.stringMatching(/already holds a key labelled kek-h1/) });
    const created = await command(['--label', 'kek-h9']);
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout).created).toMatchObject({
      label: 'kek-h9',
      token: token.label,
      attributes: { sensitive: true, extractable: false, alwaysSensitive: true, neverExtractable: true, encrypt: true, decrypt: true, sign: true },
    });
    expect(token.tryToTakeOut('kek-h9')).toEqual({ readValue: 'CKR_ATTRIBUTE_SENSITIVE', wrapOut: 'CKR_KEY_UNEXTRACTABLE' });
  });

  it('refuses to start on an extractable, a non-sensitive or a missing key, or a wrong PIN, saying why', async () => {
    token.importKey('leaky', Buffer.alloc(32, 1), { sensitive: true, extractable: true });
    token.importKey('revealing', Buffer.alloc(32, 2), { sensitive: false, extractable: false });
    const wrongPin = join(token.dir, 'wrong-pin');
    writeFileSync(wrongPin, 'not-the-pin-4711\n');
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ VAULT_PKCS11_KEYS: 'h1:kek-h1,x1:leaky', VAULT_ACTIVE_KEY: 'h1' }, /the key labelled leaky is extractable \(CKA_EXTRACTABLE is not false\)/],
      [{ VAULT_PKCS11_KEYS: 'h1:kek-h1,x2:revealing', VAULT_ACTIVE_KEY: 'h1' }, /the key labelled revealing is not sensitive \(CKA_SENSITIVE is not true\)/],
      [{ VAULT_PKCS11_KEYS: 'h1:kek-h1,x3:nowhere', VAULT_ACTIVE_KEY: 'h1' }, /holds no secret key labelled nowhere/],
      [{ VAULT_PKCS11_PIN_FILE: wrongPin }, /refused the user PIN \(CKR_PIN_INCORRECT\): check VAULT_PKCS11_PIN_FILE/],
      [{ VAULT_PKCS11_TOKEN_LABEL: 'no-such-token' }, /no token labelled no-such-token is present/],
    ];
    const brokers = await Promise.all(
      cases.map(([overrides]) => startBroker({ databaseUrl: world.database.url, env: { ...env, ...overrides }, waitReady: false })),
    );
    for (const [index, broker] of brokers.entries()) {
      expect(await broker.waitForExit()).toBe(1);
      expect(broker.logs()).toMatch(/the PKCS#11 key ring cannot start/);
      expect(broker.logs()).toMatch(cases[index][1]);
      expect(broker.logs()).not.toContain('not-the-pin-4711');
      expect(broker.logs()).not.toContain(token.pin);
    }
  });

  it('tells an altered wrapped data key (an integrity error naming the credential) from a failing device', async () => {
    const admin = world.admins[0];
    const victim = await taxpayerTenant(world);
    await world.database.query(`UPDATE credentials SET data_key_wrapped = overlay(data_key_wrapped placing '\\x00'::bytea from 30 for 1) WHERE id = $1`, [
      victim.credential.id,
    ]);
    const report = (await admin.post('/v1/admin/vault/check')).body;
    expect(report.failed).toEqual([{ credentialId: victim.credential.id, part: 'data key' }]);
    const login = await tokenFor(admin, victim.tenant.id);
    expect(login.status).toBe(500);
    expect(login.body).toMatchObject({ code: 'credential_integrity_error', credentialId: victim.credential.id, part: 'data key' });
    expect((await admin.get('/v1/admin/vault/status')).body.rings[0].available).toBe(true);
  });

  describe('when the device fails mid-run', () => {
    let broker: ServiceProcess;
    let admin: HttpClient;

    beforeAll(async () => {
      // Without the data-key cache, every login needs the device.
      ({ broker, admin } = await extraBroker(world, { ...env, VAULT_DATA_KEY_CACHE_SECONDS: '0' }));
    });

    afterAll(async () => {
      await broker?.stop();
    });

    it('answers logins 503 vault_unavailable with Retry-After while its token is gone, serves cached tokens, says so, and recovers', async () => {
      const cached = await taxpayerTenant(world);
      const waiting = await taxpayerTenant(world);
      const held = await tokenFor(admin, cached.tenant.id);
      expect(held.status).toBe(200);

      const bringBack = token.takeAway();
      try {
        const refused = await tokenFor(admin, waiting.tenant.id);
        expect(refused.status).toBe(503);
        expect(refused.body).toMatchObject({ code: 'vault_unavailable', message: expect.stringMatching(/key ring cannot open or wrap data keys/) });
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        expect((await tokenFor(admin, cached.tenant.id)).body.access_token).toBe(held.body.access_token);
        const ready = await new HttpClient(broker.url).get('/health/ready');
        expect(ready.status).toBe(200);
        expect(ready.body.details.keyRing).toMatchObject({ available: false, rings: [{ kind: 'pkcs11', available: false, reason: expect.any(String) }] });
        expect(await metric(admin, 'broker_vault_key_ring_available', { ring: 'pkcs11' })).toBe(0);
        expect(await metric(admin, 'broker_vault_key_ring_operations_total', { ring: 'pkcs11', operation: 'unwrap', outcome: 'unavailable' })).toBeGreaterThan(
          0,
        );
      } finally {
        bringBack();
      }
      await eventually(async () => expect((await tokenFor(admin, waiting.tenant.id)).status).toBe(200), 20_000);
      expect((await new HttpClient(broker.url).get('/health/ready')).body.details.keyRing.available).toBe(true);
      // The outage cost no login and changed nothing about the credential.
      expect((await world.simulator.counters(waiting.client.clientId)).logins).toBe(1);
      const events = (await admin.get(`/v1/audit-events?action=credential.invalidated`)).body.items;
      expect(events.filter((event: { target: { id: string } }) => event.target.id === waiting.credential.id)).toEqual([]);
      await broker.waitForLog(/"msg":"the PKCS#11 key ring is available again"/);
    });

    it('ends a call the device does not answer at VAULT_PKCS11_TIMEOUT_MS with 503, keeps answering meanwhile, and recovers', async () => {
      const cached = await taxpayerTenant(world);
      const waiting = await taxpayerTenant(world);
      const held = await tokenFor(admin, cached.tenant.id);
      const release = await token.hang();
      try {
        const started = Date.now();
        const login = tokenFor(admin, waiting.tenant.id);
        // The device host holds the blocked call; the broker's own event loop is free.
        const liveStarted = Date.now();
        expect((await new HttpClient(broker.url).get('/health/live')).status).toBe(200);
        expect(Date.now() - liveStarted).toBeLessThan(500);
        expect((await tokenFor(admin, cached.tenant.id)).body.access_token).toBe(held.body.access_token);
        const refused = await login;
        const took = Date.now() - started;
        expect(refused.status).toBe(503);
        expect(refused.body).toMatchObject({ code: 'vault_unavailable', reason: expect.stringMatching(/did not answer \(decrypt\) within 1000 ms/) });
        expect(took).toBeGreaterThanOrEqual(900);
        expect(took).toBeLessThan(5000);
      } finally {
        await release();
      }
      await eventually(async () => expect((await tokenFor(admin, waiting.tenant.id)).status).toBe(200), 30_000);
    });
  });

  it('counts device calls per login, with and without the data-key cache', async () => {
    const measured: Record<string, { firstLogins: number; repeatLogins: number }> = {};
    const logins = 4;
    for (const [name, cacheSeconds] of [
      ['without cache (VAULT_DATA_KEY_CACHE_SECONDS=0)', '0'],
      ['with cache (VAULT_DATA_KEY_CACHE_SECONDS=300)', '300'],
    ] as const) {
      const { broker, admin } = await extraBroker(world, { ...env, VAULT_DATA_KEY_CACHE_SECONDS: cacheSeconds });
      try {
        const setups = [];
        for (let i = 0; i < logins; i++) setups.push(await taxpayerTenant(world));
        const deviceCalls = async () => {
          let sum = 0;
          for (const fn of ['C_EncryptInit', 'C_Encrypt', 'C_DecryptInit', 'C_Decrypt'])
            sum += await metric(admin, 'broker_vault_pkcs11_calls_total', { function: fn });
          return sum;
        };
        const before = await deviceCalls();
        const issued = [];
        for (const setup of setups) issued.push((await tokenFor(admin, setup.tenant.id)).body.access_token);
        const afterFirst = await deviceCalls();
        for (const [index, setup] of setups.entries()) {
          await admin.post(`/v1/tenants/${setup.tenant.id}/token/invalidate`, { accessToken: issued[index] });
          expect((await tokenFor(admin, setup.tenant.id)).status).toBe(200);
        }
        const afterRepeat = await deviceCalls();
        for (const setup of setups) expect((await world.simulator.counters(setup.client.clientId)).logins).toBe(2);
        measured[name] = { firstLogins: (afterFirst - before) / logins, repeatLogins: (afterRepeat - afterFirst) / logins };
      } finally {
        await broker.stop();
      }
    }
    console.log(`PKCS#11 calls (C_*Init + C_Encrypt/C_Decrypt) per login: ${JSON.stringify(measured)}`);
    // Without the cache: two unwraps per login (the secrets, then sealing the token), each C_DecryptInit + C_Decrypt.
    expect(measured['without cache (VAULT_DATA_KEY_CACHE_SECONDS=0)']).toEqual({ firstLogins: 4, repeatLogins: 4 });
    // With it: one unwrap for a credential this replica has not opened yet, none after.
    expect(measured['with cache (VAULT_DATA_KEY_CACHE_SECONDS=300)']).toEqual({ firstLogins: 2, repeatLogins: 0 });
  });
});

describe('without pkcs11js (its native build failed)', () => {
  const preload = { NODE_OPTIONS: `--require ${join(__dirname, 'support', 'without-pkcs11js.js')}` };
  let token: SoftHsmToken;
  let world: World;

  beforeAll(async () => {
    token = await SoftHsmToken.create();
    world = await startWorld({ brokerEnv: preload });
  });

  afterAll(async () => {
    await world?.stop();
    token?.destroy();
  });

  it('runs with VAULT_KEY_RING=local, and stops with VAULT_KEY_RING=pkcs11 saying what is missing', async () => {
    expect((await world.admins[0].post('/v1/credentials', makeCredential())).status).toBe(201);
    const broker = await startBroker({ databaseUrl: world.database.url, env: { ...token.brokerEnv('h1:kek-h1'), ...preload }, waitReady: false });
    expect(await broker.waitForExit()).toBe(1);
    expect(broker.logs()).toMatch(/pkcs11js, the optional dependency that speaks PKCS#11, is not installed or its native build failed/);
    expect(broker.logs()).toMatch(/or use VAULT_KEY_RING=local/);
  });
});
