import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { adminClient, brokerToken } from './support/auth';
import { makeCredential } from './support/credentials';
import { createTestDatabase, TestDatabase } from './support/database';
import { HttpClient } from './support/http';
import { ServiceProcess, startBroker, startSimulator, TEST_ADMIN, TEST_FINGERPRINT_KEY } from './support/processes';
import { SimulatorClient } from './support/simulator';
import { SOFTHSM_MODULE, SoftHsmToken } from './support/softhsm';
import { taxpayerTenant, World } from './support/world';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..');
const RUNBOOK = '#### Moving the master keys into an HSM, step by step';

/** The shell blocks of the README's runbook, in order. */
function runbookSteps(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(RUNBOOK);
  expect(start).toBeGreaterThan(0);
  const rest = readme.slice(start + RUNBOOK.length);
  const section = rest.slice(0, rest.search(/\n(#{2,6} |\*\*)/));
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]);
}

type Env = Record<string, string>;

/** Runs one block with bash as an operator would, in the replicas' environment; returns what it printed and the environment it leaves. */
async function runStep(block: string, env: Env, extra: Env): Promise<{ stdout: string; env: Env }> {
  const envFile = join(mkdtempSync(join(tmpdir(), 'runbook-')), 'env');
  const { stdout } = await run('bash', ['-c', `set -euo pipefail\n${block}\nenv -0 > "$RUNBOOK_ENV_OUT"`], {
    cwd: ROOT,
    env: { ...env, ...extra, PATH: process.env.PATH ?? '', RUNBOOK_ENV_OUT: envFile },
  });
  const after: Env = {};
  for (const entry of readFileSync(envFile, 'utf8').split('\0').filter(Boolean)) {
    const equals = entry.indexOf('=');
    after[entry.slice(0, equals)] = entry.slice(equals + 1);
  }
  for (const name of ['RUNBOOK_ENV_OUT', 'PATH', 'PWD', 'OLDPWD', 'SHLVL', '_', ...Object.keys(extra)]) delete after[name];
  return { stdout, env: after };
}

describe('moving the master keys from VAULT_KEYS into an HSM, online', () => {
  let token: SoftHsmToken;
  let database: TestDatabase;
  let simulatorProcess: ServiceProcess;
  let broker: ServiceProcess | undefined;

  beforeAll(async () => {
    [token, database, simulatorProcess] = await Promise.all([SoftHsmToken.create(), createTestDatabase(), startSimulator()]);
  });

  afterAll(async () => {
    await broker?.stop();
    await simulatorProcess?.stop();
    await database?.drop();
    token?.destroy();
  });

  /** A roll of the (single) replica onto a new environment; unset variables stay unset. */
  async function roll(env: Env): Promise<HttpClient> {
    await broker?.stop();
    broker = await startBroker({ databaseUrl: database.url, env: { VAULT_KEYS: '', VAULT_KEY_RING: '', VAULT_ACTIVE_KEY: '', ...env } });
    return adminClient(broker);
  }

  const versionsWrapping = async () =>
    Object.fromEntries(
      (
        await database.query<{ key_version: string; n: number }>(
          `SELECT key_version, count(*)::int AS n FROM (SELECT key_version FROM credentials UNION ALL SELECT key_version FROM signing_keys) k GROUP BY key_version`,
        )
      ).map((row) => [row.key_version, row.n]),
    );

  it('runs the README runbook as written, then rotates between two HSM versions with the API re-wrap', async () => {
    let replicas: Env = {
      DATABASE_URL: database.url,
      AUDIT_FINGERPRINT_KEY: TEST_FINGERPRINT_KEY,
      // Signing keys sealed in the database, so that they move too.
      AUTH_SIGNING_KEY: '',
      MYINVOIS_SANDBOX_URL: simulatorProcess.url,
      MYINVOIS_PRODUCTION_URL: simulatorProcess.url,
      VAULT_KEYS: `v1:${randomBytes(32).toString('base64')}`,
      SOFTHSM2_CONF: token.conf,
      VAULT_PKCS11_MODULE: SOFTHSM_MODULE,
      VAULT_PKCS11_TOKEN_LABEL: token.label,
      VAULT_PKCS11_PIN_FILE: token.pinFile,
    };
    let admin = await roll(replicas);
    const world = { admins: [admin], simulator: new SimulatorClient(simulatorProcess.url) } as unknown as World;
    const tenant = await taxpayerTenant(world);
    for (let i = 0; i < 20; i++) expect((await admin.post('/v1/credentials', makeCredential())).status).toBe(201);
    const before = await admin.post(`/v1/tenants/${tenant.tenant.id}/token`, {});
    expect(before.status).toBe(200);
    const total = 21 + 1;
    expect(await versionsWrapping()).toEqual({ v1: total });

    const steps = runbookSteps();
    expect(steps).toHaveLength(5);
    const newKeyVersion = async () => (await admin.post('/v1/credentials', makeCredential())).body.keyVersion;
    let created = 0;
    for (const [index, block] of steps.entries()) {
      const adminToken = await brokerToken(broker!, TEST_ADMIN.clientId, TEST_ADMIN.clientSecret);
      const step = await runStep(block, replicas, { BROKER: broker!.url, TOKEN: adminToken });
      const changed = JSON.stringify(step.env) !== JSON.stringify(replicas);
      replicas = step.env;
      if (changed) admin = await roll(replicas);
      switch (index) {
        case 0:
          expect(step.stdout).toContain('"label":"broker-kek-h1"');
          break;
        case 1:
          expect((await admin.get('/v1/admin/vault/status')).body).toMatchObject({ activeVersion: 'v1', ringVersions: ['v1', 'h1'] });
          expect(await newKeyVersion()).toBe('v1');
          created += 1;
          break;
        case 2:
          expect(await newKeyVersion()).toBe('h1');
          created += 1;
          break;
        case 3: {
          const status = JSON.parse(step.stdout.trim().split('\n').pop()!);
          expect(status).toMatchObject({ activeVersion: 'h1', removableVersions: ['v1'] });
          expect(await versionsWrapping()).toEqual({ h1: total + created });
          break;
        }
        case 4:
          expect(replicas.VAULT_KEYS).toBeUndefined();
          expect((await admin.get('/v1/admin/vault/status')).body).toMatchObject({ ringVersions: ['h1'], rings: [{ kind: 'pkcs11', versions: ['h1'] }] });
          expect((await admin.post('/v1/admin/vault/check')).body).toEqual({ checked: 21 + created, failed: [] });
          // The token stored under v1's data key opens with the data key now wrapped in the token.
          expect((await admin.post(`/v1/tenants/${tenant.tenant.id}/token`, {})).body.access_token).toBe(before.body.access_token);
          break;
      }
    }
    const rewrapped = (await admin.get('/v1/audit-events?action=vault.rewrapped')).body.items;
    expect(rewrapped).toHaveLength(1);
    expect(rewrapped[0].details).toMatchObject({ activeVersion: 'h1', rewrapped: total + 1, failed: [], remaining: 0 });

    // Between two versions in the token: create, add, activate, re-wrap through the API, remove.
    expect(await token.createKey('broker-kek-h2')).toMatchObject({ label: 'broker-kek-h2', attributes: { sensitive: true, extractable: false } });
    const both = { ...replicas, VAULT_PKCS11_KEYS: 'h1:broker-kek-h1,h2:broker-kek-h2', VAULT_ACTIVE_KEY: 'h1' };
    admin = await roll(both);
    admin = await roll({ ...both, VAULT_ACTIVE_KEY: 'h2' });
    const rewrap = await admin.post('/v1/admin/vault/rewrap');
    expect(rewrap.body).toMatchObject({ activeVersion: 'h2', rewrapped: total + created, failed: [], remaining: 0 });
    expect((await admin.get('/v1/admin/vault/status')).body.removableVersions).toEqual(['h1']);
    admin = await roll({ ...replicas, VAULT_PKCS11_KEYS: 'h2:broker-kek-h2', VAULT_ACTIVE_KEY: 'h2' });
    expect((await admin.post('/v1/admin/vault/check')).body).toEqual({ checked: 21 + created, failed: [] });
    expect((await admin.post(`/v1/tenants/${tenant.tenant.id}/token`, {})).body.access_token).toBe(before.body.access_token);
    expect(await versionsWrapping()).toEqual({ h2: total + created });
  }, 180_000);
});
