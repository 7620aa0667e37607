import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { adminClient, brokerToken } from './support/auth';
import { makeCredential } from './support/credentials';
import { createTestDatabase, TestDatabase } from './support/database';
import { dumpDatabase, encodingsOf } from './support/dump';
import { makeTenant, uniqueBrn } from './support/factories';
import { HttpClient } from './support/http';
import { ServiceProcess, startBroker, TEST_ADMIN, TEST_VAULT_KEY } from './support/processes';

const run = promisify(execFile);
const REWRAP_COMMAND = join(__dirname, '..', 'dist', 'src', 'vault', 'commands', 'rewrap.command.js');
const newKey = () => randomBytes(32).toString('base64');

describe('credential vault', () => {
  let database: TestDatabase;
  let broker: ServiceProcess;
  let admin: HttpClient;
  /** Every secret any test stored, and every response body seen, for the leak checks. */
  const secrets: string[] = [];
  const bodies: string[] = [];

  async function createCredential(overrides: Record<string, unknown> = {}) {
    const input = makeCredential(overrides);
    secrets.push(...[input.clientSecret, input.secondaryClientSecret].filter((value): value is string => typeof value === 'string'));
    const response = await admin.post('/v1/credentials', input);
    bodies.push(response.text);
    if (response.status !== 201) throw new Error(`create failed: ${response.text}`);
    return { input, credential: response.body };
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    broker = await startBroker({ databaseUrl: database.url });
    admin = await adminClient(broker);
  });

  afterAll(async () => {
    await broker?.stop();
    await database?.drop();
  });

  describe('credentials API', () => {
    it('stores a credential and shows everything but its secrets', async () => {
      const expires = new Date(Date.now() + 10 * 86_400_000).toISOString();
      const { input, credential } = await createCredential({ secretExpiresAt: expires, label: 'Acme ERP' });
      expect(credential).toEqual({
        id: expect.any(String),
        kind: 'taxpayer',
        environment: 'sandbox',
        clientId: input.clientId,
        label: 'Acme ERP',
        secretsSet: 2,
        secretExpiresAt: expires,
        expiresSoon: true,
        // The sandbox's default (MYINVOIS_SANDBOX_LOGIN_RATE_PER_MINUTE), lower than production's 12.
        loginRatePerMinute: 6,
        status: 'unverified',
        lastErrorCode: null,
        lastErrorDescription: null,
        lastError: null,
        degraded: false,
        degradedSince: null,
        keyVersion: 't1',
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      const read = await admin.get(`/v1/credentials/${credential.id}`);
      bodies.push(read.text, (await admin.get('/v1/credentials?limit=200')).text);
      // Read back, it shows its login budget too.
      expect(read.body).toEqual({
        ...credential,
        budget: {
          limitPerMinute: 6,
          usedInWindow: 0,
          nextSlotAt: expect.any(String),
          pausedUntil: null,
          pausedRetryAfterSeconds: null,
          backingOffUntil: null,
          consecutiveFailures: 0,
          renewalsInProgress: 0,
          tokensInUse: 0,
          tokensAtRisk: 0,
        },
      });
    });

    it('flags expiresSoon only within the warning window', async () => {
      const far = await createCredential({ secretExpiresAt: new Date(Date.now() + 90 * 86_400_000).toISOString(), secondaryClientSecret: undefined });
      expect(far.credential).toMatchObject({ expiresSoon: false, secretsSet: 1 });
    });

    it('lists only credentials expiring soon (or not) with expiresSoon', async () => {
      const soon = await createCredential({ secretExpiresAt: new Date(Date.now() + 3 * 86_400_000).toISOString() });
      const later = await createCredential({ secretExpiresAt: new Date(Date.now() + 300 * 86_400_000).toISOString() });
      const unknown = await createCredential();
      const ids = async (value: string) => (await admin.get(`/v1/credentials?expiresSoon=${value}&limit=200`)).body.items.map((c: { id: string }) => c.id);
      const expiring = await ids('true');
      expect(expiring).toContain(soon.credential.id);
      expect(expiring).not.toContain(later.credential.id);
      expect(expiring).not.toContain(unknown.credential.id);
      const notExpiring = await ids('false');
      expect(notExpiring).toEqual(expect.arrayContaining([later.credential.id, unknown.credential.id]));
      expect(notExpiring).not.toContain(soon.credential.id);
      const bad = await admin.get('/v1/credentials?expiresSoon=yes');
      expect(bad.status).toBe(400);
      expect(bad.body.errors[0]).toEqual({ field: 'expiresSoon', message: 'expiresSoon must be true or false' });
    });

    it.each([
      ['clientSecret', '0', /placeholder/],
      ['clientSecret', 'YOUR_CLIENT_SECRET', /placeholder/],
      ['clientId', 'YOUR_CLIENT_ID', /placeholder/],
      ['clientId', '', /empty/],
      ['clientSecret', ' padded-secret ', /spaces/],
      ['secondaryClientSecret', 'null', /placeholder/],
      ['kind', 'reseller', /taxpayer, intermediary/],
      ['environment', 'staging', /sandbox, production/],
      ['loginRatePerMinute', 0, /at least 1|less than 1/],
      ['loginRatePerMinute', 12.5, /integer/],
      ['secretExpiresAt', '2020-01-01T00:00:00Z', /future/],
      ['secretExpiresAt', 'next year', /ISO 8601/],
      // ISO 8601 forms JavaScript reads as Invalid Date (they used to reach a 500), or rolls over.
      ['secretExpiresAt', '2030-W01-1', /RFC 3339/],
      ['secretExpiresAt', '20300519', /RFC 3339/],
      ['secretExpiresAt', '2030-02-30T00:00:00Z', /RFC 3339/],
      ['clientSecret', 12345, /string/],
      // Text the database and the audit log cannot hold faithfully (a lone surrogate used to reach a 500).
      ['clientId', '\ud800', /unpaired surrogates/],
      ['clientId', 'abc\u007f', /control/],
      ['label', '\ud800', /unpaired surrogates/],
      ['label', 'bell\u0007', /control/],
      ['label', 'next\u0085line', /control/],
      ['label', 'x'.repeat(201), /at most 200/],
    ])('refuses %s = %j with 400 naming it', async (field, value, message) => {
      const response = await admin.post('/v1/credentials', { ...makeCredential(), [field]: value });
      expect(response.status).toBe(400);
      expect(response.body.errors).toEqual([{ field, message: expect.stringMatching(message) }]);
      bodies.push(response.text);
    });

    it('keeps a client ID unique per environment', async () => {
      const { input, credential } = await createCredential();
      const again = await admin.post('/v1/credentials', { ...makeCredential(), clientId: input.clientId });
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ code: 'credential_client_id_taken', existingCredentialId: credential.id });
      const production = await admin.post('/v1/credentials', { ...makeCredential(), clientId: input.clientId, environment: 'production' });
      expect(production.status).toBe(201);
    });

    it('replaces secrets (back to unverified), updates label, rate and expiry, and validates both', async () => {
      const { credential } = await createCredential();
      const fresh = `new-${randomBytes(16).toString('hex')}`;
      secrets.push(fresh);
      const replaced = await admin.put(`/v1/credentials/${credential.id}/secrets`, { clientSecret: fresh, secondaryClientSecret: null });
      bodies.push(replaced.text);
      expect(replaced.body).toMatchObject({ status: 'unverified', secretsSet: 1 });
      expect((await admin.put(`/v1/credentials/${credential.id}/secrets`, {})).status).toBe(400);
      expect((await admin.put(`/v1/credentials/${credential.id}/secrets`, { clientSecret: '0' })).status).toBe(400);

      const patched = await admin.patch(`/v1/credentials/${credential.id}`, { label: 'Renamed', loginRatePerMinute: 6, secretExpiresAt: null });
      expect(patched.body).toMatchObject({ label: 'Renamed', loginRatePerMinute: 6, secretExpiresAt: null, expiresSoon: false });
      expect((await admin.patch(`/v1/credentials/${credential.id}`, { loginRatePerMinute: 5000 })).status).toBe(400);
      for (const [path, body, field] of [
        ['', { secretExpiresAt: '2030-W01-1' }, 'secretExpiresAt'],
        ['', { label: 'lone \udc00' }, 'label'],
        ['/secrets', { clientSecret: `new-${randomBytes(8).toString('hex')}`, secretExpiresAt: '2030-123' }, 'secretExpiresAt'],
      ] as const) {
        const response = path ? await admin.put(`/v1/credentials/${credential.id}${path}`, body) : await admin.patch(`/v1/credentials/${credential.id}`, body);
        expect({ field, status: response.status, errors: response.body.errors }).toEqual({
          field,
          status: 400,
          errors: [{ field, message: expect.any(String) }],
        });
      }
      expect((await admin.patch(`/v1/credentials/${credential.id}`, { clientSecret: 'x' })).status).toBe(400);
      expect((await admin.get('/v1/credentials/7a1f2d9e-0000-4000-8000-000000000000')).status).toBe(404);
    });

    it('audits who changed what, the expiry included, without any secret', async () => {
      const expires = new Date(Date.now() + 60 * 86_400_000).toISOString();
      const { credential } = await createCredential({ secretExpiresAt: expires });
      const later = new Date(Date.now() + 120 * 86_400_000).toISOString();
      expect((await admin.patch(`/v1/credentials/${credential.id}`, { secretExpiresAt: later, label: 'Renamed' })).status).toBe(200);
      const events = (await admin.get('/v1/audit-events?action=credential.*&limit=200')).body.items.filter(
        (e: { target: { id: string } | null }) => e.target?.id === credential.id,
      );
      const updated = events.find((e: { action: string }) => e.action === 'credential.updated');
      expect(updated.details.changes).toEqual({ label: { from: null, to: 'Renamed' }, secretExpiresAt: { from: expires, to: later } });
      const created = events.find((e: { action: string }) => e.action === 'credential.created');
      expect(created.details).toMatchObject({ secretsSet: 2, secretExpiresAt: expires });
    });

    it('is admin-only', async () => {
      const service = await admin.post('/v1/principals', { name: 'svc', role: 'service', tenantGrants: ['*'] });
      const token = await brokerToken(broker, service.body.clientId, service.body.clientSecret);
      expect((await new HttpClient(broker.url).get('/v1/credentials', { token })).status).toBe(403);
    });
  });

  describe('tenants log in through a credential', () => {
    it('lets a taxpayer credential serve exactly one tenant, in its own environment', async () => {
      const { credential } = await createCredential();
      const first = (await admin.post('/v1/tenants', makeTenant())).body;
      const second = (await admin.post('/v1/tenants', makeTenant())).body;
      const attached = await admin.patch(`/v1/tenants/${first.id}`, { credentialId: credential.id });
      expect(attached.body).toMatchObject({ credentialId: credential.id, onBehalfOf: null });
      const taken = await admin.patch(`/v1/tenants/${second.id}`, { credentialId: credential.id });
      expect(taken.status).toBe(409);
      expect(taken.body).toMatchObject({ code: 'tenant_credential_taken', tenantIds: [first.id] });

      const production = (await admin.post('/v1/tenants', makeTenant({ environment: 'production' }))).body;
      const mismatch = await admin.patch(`/v1/tenants/${production.id}`, { credentialId: credential.id });
      expect(mismatch.status).toBe(400);
      expect(mismatch.body.errors[0]).toMatchObject({ field: 'credentialId', message: expect.stringMatching(/sandbox credential.*production/) });
      const unknown = await admin.patch(`/v1/tenants/${second.id}`, { credentialId: '7a1f2d9e-0000-4000-8000-000000000000' });
      expect(unknown.status).toBe(400);
      expect(unknown.body.errors[0].field).toBe('credentialId');
    });

    it('lets an intermediary credential serve many tenants, on behalf of the TIN or TIN:BRN', async () => {
      const { credential } = await createCredential({ kind: 'intermediary' });
      const brn = uniqueBrn();
      const a = (await admin.post('/v1/tenants', makeTenant())).body;
      const b = (await admin.post('/v1/tenants', makeTenant({ brn }))).body;
      expect((await admin.patch(`/v1/tenants/${a.id}`, { credentialId: credential.id })).body.onBehalfOf).toBe(a.tin);
      const withBrn = await admin.patch(`/v1/tenants/${b.id}`, { credentialId: credential.id, onBehalfOfFormat: 'tin_brn' });
      expect(withBrn.body).toMatchObject({ onBehalfOfFormat: 'tin_brn', onBehalfOf: `${b.tin}:${brn}` });
      const noBrn = await admin.patch(`/v1/tenants/${a.id}`, { onBehalfOfFormat: 'tin_brn' });
      expect(noBrn.status).toBe(400);
      expect(noBrn.body.errors[0].field).toBe('onBehalfOfFormat');
      const newBrn = uniqueBrn();
      expect((await admin.patch(`/v1/tenants/${b.id}`, { brn: newBrn })).body.onBehalfOf).toBe(`${b.tin}:${newBrn}`);
      expect((await admin.patch(`/v1/tenants/${b.id}`, { brn: null })).status).toBe(400);
    });

    it('refuses to delete a credential in use, naming the tenants, and deletes it once unused', async () => {
      const { credential } = await createCredential({ kind: 'intermediary' });
      const tenant = (await admin.post('/v1/tenants', makeTenant())).body;
      await admin.patch(`/v1/tenants/${tenant.id}`, { credentialId: credential.id });
      const refused = await admin.delete(`/v1/credentials/${credential.id}`);
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ code: 'credential_in_use', tenantIds: [tenant.id] });
      await admin.delete(`/v1/tenants/${tenant.id}`);
      expect((await admin.delete(`/v1/credentials/${credential.id}`)).status).toBe(204);
      expect((await admin.get(`/v1/credentials/${credential.id}`)).status).toBe(404);
      expect(await database.query('SELECT 1 FROM credentials WHERE id = $1', [credential.id])).toHaveLength(0);
    });
  });

  describe('at rest', () => {
    it('keeps every secret out of the database in any encoding, and out of responses, logs and audit events', async () => {
      await createCredential({ kind: 'intermediary' });
      expect(secrets.length).toBeGreaterThan(10);
      const dump = await dumpDatabase(database);
      const logs = broker.logs();
      const responses = bodies.join('\n');
      for (const secret of secrets) {
        for (const encoded of encodingsOf(secret)) {
          expect(dump.includes(encoded) ? `${secret} in the database as ${encoded}` : 'absent').toBe('absent');
        }
        expect(logs.includes(secret) ? `${secret} in the log` : 'absent').toBe('absent');
        expect(responses.includes(secret) ? `${secret} in a response` : 'absent').toBe('absent');
      }
      const events = (await admin.get('/v1/audit-events?action=credential.*&limit=200')).body.items;
      expect(events.length).toBeGreaterThan(5);
      const eventText = JSON.stringify(events);
      for (const secret of secrets) expect(eventText).not.toContain(secret);
    });

    it('refuses a ciphertext moved to another row or field, and names the credential', async () => {
      const a = (await createCredential()).credential;
      const b = (await createCredential()).credential;
      const c = (await createCredential()).credential;
      await database.query('UPDATE credentials SET primary_secret = (SELECT primary_secret FROM credentials WHERE id = $1) WHERE id = $2', [a.id, b.id]);
      await database.query('UPDATE credentials SET primary_secret = secondary_secret, secondary_secret = primary_secret WHERE id = $1', [c.id]);
      const report = await admin.post('/v1/admin/vault/check');
      expect(report.body.failed).toEqual(
        expect.arrayContaining([
          { credentialId: b.id, part: 'primary_secret' },
          { credentialId: c.id, part: 'primary_secret' },
        ]),
      );
      expect(report.body.failed.map((f: { credentialId: string }) => f.credentialId)).not.toContain(a.id);
      // Whole data keys copied between rows fail too: the key is bound to its credential.
      const d = (await createCredential()).credential;
      await database.query('UPDATE credentials SET data_key_wrapped = (SELECT data_key_wrapped FROM credentials WHERE id = $1) WHERE id = $2', [a.id, d.id]);
      const again = await admin.post('/v1/admin/vault/check');
      expect(again.body.failed).toEqual(expect.arrayContaining([{ credentialId: d.id, part: 'data key' }]));
    });

    it('answers a flipped byte with a clear integrity error for that credential, and keeps serving the rest', async () => {
      const victim = (await createCredential()).credential;
      const bystander = (await createCredential()).credential;
      await database.query(`UPDATE credentials SET data_key_wrapped = overlay(data_key_wrapped placing '\\xff'::bytea from 20 for 1) WHERE id = $1`, [
        victim.id,
      ]);
      const replace = await admin.put(`/v1/credentials/${victim.id}/secrets`, { clientSecret: `fresh-${randomBytes(8).toString('hex')}` });
      expect(replace.status).toBe(500);
      expect(replace.body).toMatchObject({ code: 'credential_integrity_error', credentialId: victim.id, part: 'data key' });
      expect(replace.body.message).toContain(victim.id);
      expect((await admin.get(`/v1/credentials/${bystander.id}`)).status).toBe(200);
      expect((await admin.put(`/v1/credentials/${bystander.id}/secrets`, { clientSecret: `fresh-${randomBytes(8).toString('hex')}` })).status).toBe(200);
      expect(broker.running).toBe(true);
      await broker.waitForLog(/stored data failed a check/);
    });
  });
});

describe('master key rotation', () => {
  let database: TestDatabase;
  const v2 = newKey();

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('rotates t1 to v2 online: new keys under v2, re-wrap by two replicas at once, then t1 removed', async () => {
    // Signing keys in the database (no AUTH_SIGNING_KEY), so that they are re-wrapped too.
    const first = await startBroker({ databaseUrl: database.url, env: { AUTH_SIGNING_KEY: '' } });
    const admin = await adminClient(first);
    for (let i = 0; i < 150; i += 30) {
      await Promise.all(Array.from({ length: 30 }, () => admin.post('/v1/credentials', makeCredential())));
    }
    await first.stop();

    // The README's rotation: first v2 is added everywhere with t1 still active, then activated.
    const adding = { VAULT_KEYS: `t1:${TEST_VAULT_KEY},v2:${v2}`, VAULT_ACTIVE_KEY: 't1', AUTH_SIGNING_KEY: '' };
    const rotating = { ...adding, VAULT_ACTIVE_KEY: 'v2' };
    const notYetRolled = await startBroker({ databaseUrl: database.url, env: adding });
    const [a, b] = await Promise.all([startBroker({ databaseUrl: database.url, env: rotating }), startBroker({ databaseUrl: database.url, env: rotating })]);
    try {
      const [adminA, adminB] = await Promise.all([adminClient(a), adminClient(b)]);
      // Both replicas sign with the one key kept in the database.
      const tokenFromA = await brokerToken(a, TEST_ADMIN.clientId, TEST_ADMIN.clientSecret);
      expect((await new HttpClient(b.url).get('/v1/tenants', { token: tokenFromA })).status).toBe(200);
      const before = (await adminA.get('/v1/admin/vault/status')).body;
      expect(before).toMatchObject({ activeVersion: 'v2', ringVersions: ['t1', 'v2'], removableVersions: [] });
      expect(before.dataKeys.find((k: { version: string }) => k.version === 't1').byStore.credentials).toBe(150);
      expect((await adminA.post('/v1/credentials', makeCredential())).body.keyVersion).toBe('v2');

      // Mid-roll, a replica still on t1 wraps under t1, opens what v2 wrapped, and refuses to re-wrap it back.
      const adminOld = await adminClient(notYetRolled);
      expect((await adminOld.post('/v1/credentials', makeCredential())).body.keyVersion).toBe('t1');
      expect((await adminOld.post('/v1/admin/vault/check')).body).toEqual({ checked: 152, failed: [] });
      const stale = await adminOld.post('/v1/admin/vault/rewrap');
      expect(stale.status).toBe(409);
      expect(stale.body).toMatchObject({ code: 'vault_rewrap_refused', activeVersion: 't1', newerVersions: ['v2'] });
      expect((await adminOld.get('/v1/admin/vault/status')).body.dataKeys.find((k: { version: string }) => k.version === 'v2').total).toBe(1);
      await notYetRolled.stop();

      const [ra, rb] = await Promise.all([adminA.post('/v1/admin/vault/rewrap'), adminB.post('/v1/admin/vault/rewrap')]);
      expect(ra.status).toBe(200);
      expect(rb.status).toBe(200);
      // Signing keys moved too; together every data key was re-wrapped exactly once.
      expect(ra.body.rewrapped + rb.body.rewrapped).toBe(151 + 1);
      expect([...ra.body.failed, ...rb.body.failed]).toEqual([]);
      const after = (await adminA.get('/v1/admin/vault/status')).body;
      expect(after.removableVersions).toEqual(['t1']);
      expect((await adminA.post('/v1/admin/vault/rewrap')).body.rewrapped).toBe(0);
      const events = (await adminA.get('/v1/audit-events?action=vault.rewrapped')).body.items;
      expect(events.length).toBe(3);
    } finally {
      await Promise.all([notYetRolled.stop(), a.stop(), b.stop()]);
    }

    const onlyV2 = await startBroker({ databaseUrl: database.url, env: { VAULT_KEYS: `v2:${v2}`, AUTH_SIGNING_KEY: '' } });
    try {
      const adminV2 = await adminClient(onlyV2);
      const report = await adminV2.post('/v1/admin/vault/check');
      expect(report.body).toEqual({ checked: 152, failed: [] });
    } finally {
      await onlyV2.stop();
    }
  });

  it('refuses to start without a key version still in use, or with a changed key, naming the problem', async () => {
    const missing = await startBroker({ databaseUrl: database.url, env: { VAULT_KEYS: `v9:${newKey()}` }, waitReady: false });
    expect(await missing.waitForExit()).toBe(1);
    expect(missing.logs()).toMatch(/master key versions that VAULT_KEYS does not hold: v2 \(152 in credentials\), v2 \(1 in signing_keys\)/);
    expect(await database.query(`SELECT 1 FROM vault_keys WHERE version = 'v9'`)).toHaveLength(0);

    const changed = await startBroker({ databaseUrl: database.url, env: { VAULT_KEYS: `v2:${newKey()}` }, waitReady: false });
    expect(await changed.waitForExit()).toBe(1);
    expect(changed.logs()).toMatch(/VAULT_KEYS version v2 is not the key it was/);
    expect(changed.logs()).not.toContain(v2);
  });

  it('refuses to start when another replica recorded the same new version name with another key first', async () => {
    // Plays the replica that wins the race: just as this broker records v5, another key's check value for v5 lands first.
    await database.query(`CREATE FUNCTION test_race_v5() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.version = 'v5' AND pg_trigger_depth() = 1 THEN
          INSERT INTO vault_keys (version, check_value) VALUES ('v5', repeat('e', 64));
        END IF;
        RETURN NEW;
      END $$`);
    await database.query('CREATE TRIGGER test_race_v5 BEFORE INSERT ON vault_keys FOR EACH ROW EXECUTE FUNCTION test_race_v5()');
    const racing = await startBroker({ databaseUrl: database.url, env: { VAULT_KEYS: `v2:${v2},v5:${newKey()}`, VAULT_ACTIVE_KEY: 'v2' }, waitReady: false });
    try {
      const outcome = await Promise.race([
        racing.waitForExit(),
        racing.waitUntil('/health/ready').then(
          () => 'started',
          () => racing.waitForExit(),
        ),
      ]);
      expect(outcome).toBe(1);
      expect(racing.logs()).toMatch(/VAULT_KEYS version v5 is not the key it was/);
    } finally {
      await racing.stop();
      await database.query('DROP TRIGGER test_race_v5 ON vault_keys');
      await database.query('DROP FUNCTION test_race_v5()');
      await database.query(`DELETE FROM vault_keys WHERE version = 'v5'`);
    }
  });

  it('re-wraps from the command line: stopped after part of the work, resumed where it stopped, then idempotent', async () => {
    const v3 = newKey();
    const env = {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: database.url,
      VAULT_KEYS: `v2:${v2},v3:${v3}`,
      VAULT_ACTIVE_KEY: 'v3',
      AUDIT_FINGERPRINT_KEY: newKey(),
    };
    const total = 152 + 1;
    const underV3 = async () =>
      (
        await database.query<{ n: number }>(
          `SELECT (SELECT count(*) FROM credentials WHERE key_version = 'v3')::int + (SELECT count(*) FROM signing_keys WHERE key_version = 'v3')::int AS n`,
        )
      )[0].n;
    const stopped = await run(process.execPath, [REWRAP_COMMAND, '--limit', '40'], { env }).catch((error) => error);
    expect(stopped.code).toBe(1);
    expect(JSON.parse(stopped.stdout)).toMatchObject({ activeVersion: 'v3', rewrapped: 40, failed: [], remaining: total - 40 });
    expect(await underV3()).toBe(40);

    const resumed = JSON.parse((await run(process.execPath, [REWRAP_COMMAND], { env })).stdout);
    expect(resumed).toMatchObject({ activeVersion: 'v3', rewrapped: total - 40, failed: [], remaining: 0 });
    expect(resumed.status.removableVersions).toEqual(['v2']);
    expect(await underV3()).toBe(total);
    const again = JSON.parse((await run(process.execPath, [REWRAP_COMMAND], { env })).stdout);
    expect(again.rewrapped).toBe(0);
  });

  it('refuses to start in production without VAULT_KEYS', async () => {
    const broker = await startBroker({ databaseUrl: database.url, env: { NODE_ENV: 'production', VAULT_KEYS: '' }, waitReady: false });
    expect(await broker.waitForExit()).toBe(1);
    expect(broker.logs()).toMatch(/VAULT_KEYS is not set: production needs master keys/);
  });
});
