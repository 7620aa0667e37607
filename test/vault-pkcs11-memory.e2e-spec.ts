import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminClient } from './support/auth';
import { createTestDatabase, TestDatabase } from './support/database';
import { encodingsOfKey, foundIn, scanProcessMemory } from './support/process-memory';
import { ServiceProcess, startBroker, startSimulator } from './support/processes';
import { eventually, SimulatorClient } from './support/simulator';
import { SoftHsmToken } from './support/softhsm';
import { taxpayerTenant, World } from './support/world';

/** Signals the broker to write a heap snapshot into `dir` and reads it once complete. */
async function heapSnapshot(broker: ServiceProcess, dir: string): Promise<Buffer> {
  process.kill(broker.pid, 'SIGUSR2');
  let file = '';
  await eventually(async () => {
    const [name] = readdirSync(dir).filter((entry) => entry.endsWith('.heapsnapshot'));
    expect(name).toBeDefined();
    file = join(dir, name);
    // Written in one go: complete once its JSON closes.
    expect(readFileSync(file).subarray(-2).toString()).toMatch(/]}\s*$|}\s*$/);
  }, 60_000);
  const size = statSync(file).size;
  await new Promise((resolveWait) => setTimeout(resolveWait, 500));
  expect(statSync(file).size).toBe(size);
  return readFileSync(file);
}

describe('no master key in the broker with VAULT_KEY_RING=pkcs11', () => {
  // A key of known value in the token (imported, sensitive, not extractable), so the test can look for it.
  const masterKey = randomBytes(32);
  const needles = encodingsOfKey(masterKey);
  let token: SoftHsmToken;
  let databases: TestDatabase[];
  let simulatorProcess: ServiceProcess;
  const brokers: ServiceProcess[] = [];

  beforeAll(async () => {
    token = await SoftHsmToken.create();
    token.importKey('kek-known', masterKey, { sensitive: true, extractable: false });
    databases = await Promise.all([createTestDatabase(), createTestDatabase()]);
    simulatorProcess = await startSimulator();
  });

  afterAll(async () => {
    await Promise.all(brokers.map((broker) => broker.stop()));
    await simulatorProcess?.stop();
    await Promise.all(databases.map((database) => database.drop()));
    token?.destroy();
  });

  /** A broker that has used its master key: credentials created, a login made, a token sealed and opened. */
  async function busyBroker(database: TestDatabase, env: Record<string, string>, snapshots: string): Promise<ServiceProcess> {
    const broker = await startBroker({
      databaseUrl: database.url,
      env: { MYINVOIS_SANDBOX_URL: simulatorProcess.url, MYINVOIS_PRODUCTION_URL: simulatorProcess.url, AUTH_SIGNING_KEY: '', ...env },
      nodeArgs: ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${snapshots}`],
    });
    brokers.push(broker);
    const admin = await adminClient(broker);
    const world = { admins: [admin], simulator: new SimulatorClient(simulatorProcess.url) } as unknown as World;
    for (let i = 0; i < 3; i++) {
      const setup = await taxpayerTenant(world);
      expect((await admin.post(`/v1/tenants/${setup.tenant.id}/token`, {})).status).toBe(200);
    }
    expect((await admin.post('/v1/admin/vault/check')).body.failed).toEqual([]);
    return broker;
  }

  it('holds none of its bytes in its environment, its heap snapshot or anywhere in its memory, and the token refuses to reveal it', async () => {
    const snapshots = mkdtempSync(join(tmpdir(), 'heap-'));
    const broker = await busyBroker(databases[0], token.brokerEnv('k1:kek-known', { VAULT_DATA_KEY_CACHE_SECONDS: '300' }), snapshots);
    expect(broker.logs()).toMatch(/was not always sensitive and non-extractable in the token/);

    expect(foundIn(readFileSync(`/proc/${broker.pid}/environ`), needles)).toEqual([]);
    const snapshot = await heapSnapshot(broker, snapshots);
    expect(snapshot.length).toBeGreaterThan(1_000_000);
    expect(foundIn(snapshot, needles)).toEqual([]);
    const memory = scanProcessMemory(broker.pid, needles);
    expect(memory.bytesRead).toBeGreaterThan(50_000_000);
    expect(memory.found).toEqual([]);

    expect(token.tryToTakeOut('kek-known')).toEqual({ readValue: 'CKR_ATTRIBUTE_SENSITIVE', wrapOut: 'CKR_KEY_UNEXTRACTABLE' });
  });

  it('finds the same key when it is a local key (VAULT_KEYS), so the search would see one', async () => {
    const snapshots = mkdtempSync(join(tmpdir(), 'heap-'));
    const broker = await busyBroker(databases[1], { VAULT_KEYS: `c1:${masterKey.toString('base64')}` }, snapshots);
    expect(foundIn(readFileSync(`/proc/${broker.pid}/environ`), needles)).toContain(2);
    expect(foundIn(await heapSnapshot(broker, snapshots), needles)).toContain(2);
    expect(scanProcessMemory(broker.pid, needles).found).toContain(0);
  });
});
