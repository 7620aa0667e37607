import { spawn } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createLocalJWKSet, compactVerify } from 'jose';
import { eventHash } from '../src/audit/canonical';
import { makeTenant } from './support/factories';
import { HttpClient } from './support/http';
import { ServiceProcess } from './support/processes';
import { eventually } from './support/simulator';
import { Receiver } from './support/webhook-receiver';
import { startWorld, taxpayerTenant, World } from './support/world';

const ROOT = resolve(__dirname, '..');
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

const FAST = {
  WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
  WEBHOOK_POLL_MS: '100',
  WEBHOOK_RETRY_BASE_MS: '200',
  WEBHOOK_RETRY_MAX_MS: '800',
  WEBHOOK_TIMEOUT_MS: '2000',
  LOGIN_BACKOFF_BASE_MS: '200',
  LOGIN_BACKOFF_MAX_MS: '1000',
  AUDIT_CHECKPOINT_MINUTES: '0.02',
  AUDIT_WRITE_TIMEOUT_MS: '500',
};

describe('signed webhooks and audit checkpoints', () => {
  let world: World;
  let admin: HttpClient;
  const receiver = new Receiver();
  let endpointId: string;

  beforeAll(async () => {
    world = await startWorld({ brokers: 2, brokerEnv: FAST });
    admin = world.admins[0];
    await receiver.start();
    const created = await admin.post('/v1/webhooks', { url: receiver.url, description: 'the platform team' });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    receiver.secret = created.body.secret;
    endpointId = created.body.id;
  });

  afterAll(async () => {
    await receiver.stop();
    await world?.stop();
  });

  it('shows the secret only at creation, and keeps it out of reads, the audit log and the logs', async () => {
    const read = await admin.get(`/v1/webhooks/${endpointId}`);
    expect(read.status).toBe(200);
    expect(read.text).not.toContain(receiver.secret);
    const secretBody = receiver.secret.slice('whsec_'.length);
    expect((await admin.get('/v1/webhooks')).text).not.toContain(secretBody);
    expect((await admin.get('/v1/audit-events?action=webhook.*')).text).not.toContain(secretBody);
    const stored = await world.database.query<{ secret: Buffer }>('SELECT secret FROM webhook_endpoints WHERE id = $1', [endpointId]);
    expect(stored[0].secret.toString('latin1')).not.toContain(secretBody);
    for (const broker of world.brokers) expect(broker.logs()).not.toContain(secretBody);
  });

  it('sends a test event, signed, to the endpoint asked', async () => {
    const test = await admin.post(`/v1/webhooks/${endpointId}/test`);
    expect(test.status).toBe(202);
    await eventually(async () => expect(receiver.received.map((event) => event.webhookId)).toContain(test.body.eventId), 5000);
    await eventually(async () => {
      const deliveries = (await admin.get(`/v1/webhooks/${endpointId}/deliveries?limit=200`)).body.items;
      expect(deliveries.find((item: any) => item.id === test.body.deliveryId)).toMatchObject({
        status: 'delivered',
        attempts: 1,
        lastStatus: 204,
        eventType: 'webhook.test',
      });
    });
  });

  it('sends one credential.invalidated when MyInvois refuses a credential, and one credential.recovered when it works again', async () => {
    const { tenant, client, credential } = await taxpayerTenant(world);
    const newSecrets = [`${client.clientId}-new-1`, `${client.clientId}-new-2`];
    expect((await world.simulator.patch(`/_sim/clients/${client.clientId}`, { secrets: newSecrets })).status).toBe(200);
    for (let i = 0; i < 4; i++) expect((await world.admins[i % 2].post(`/v1/tenants/${tenant.id}/token`, {})).status).toBe(409);
    await eventually(async () => expect(receiver.ofType('credential.invalidated', credential.id)).toHaveLength(1), 5000);

    const replaced = await admin.put(`/v1/credentials/${credential.id}/secrets`, { clientSecret: newSecrets[0], secondaryClientSecret: newSecrets[1] });
    expect(replaced.status).toBe(200);
    await eventually(async () => expect((await admin.post(`/v1/tenants/${tenant.id}/token`, {})).status).toBe(200), 5000);
    await eventually(async () => expect(receiver.ofType('credential.recovered', credential.id)).toHaveLength(1), 5000);
    await sleep(500);
    expect(receiver.ofType('credential.invalidated', credential.id)).toHaveLength(1);
    const recovered = receiver.ofType('credential.recovered', credential.id)[0].payload;
    expect(recovered).toMatchObject({ type: 'credential.recovered', credentialId: credential.id, data: { clientId: client.clientId } });
    expect(JSON.stringify(receiver.received)).not.toMatch(new RegExp(`${client.clientId}-(secret|new)`));
  });

  it('sends one credential.degraded and one credential.restored for an outage, not one per request', async () => {
    const { tenant, client, credential } = await taxpayerTenant(world);
    expect((await world.simulator.put(`/_sim/clients/${client.clientId}/faults`, { kind: 'status', status: 503 })).status).toBe(200);
    const started = Date.now();
    let requests = 0;
    while (Date.now() - started < 3000) {
      await world.admins[requests++ % 2].post(`/v1/tenants/${tenant.id}/token`, {});
      await sleep(100);
    }
    expect(requests).toBeGreaterThan(10);
    await world.simulator.delete('/_sim/faults');
    await eventually(async () => expect((await admin.post(`/v1/tenants/${tenant.id}/token`, {})).status).toBe(200), 5000);
    await eventually(async () => expect(receiver.ofType('credential.restored', credential.id)).toHaveLength(1), 5000);
    await sleep(500);
    expect(receiver.ofType('credential.degraded', credential.id)).toHaveLength(1);
    expect(receiver.ofType('credential.restored', credential.id)).toHaveLength(1);
  });

  it('delivers every event, in order, after the receiver was down, each once over two replicas', async () => {
    const before = receiver.received.length;
    await receiver.stop();
    const port = receiver.port;
    const tests: string[] = [];
    for (let i = 0; i < 6; i++) tests.push((await world.admins[i % 2].post(`/v1/webhooks/${endpointId}/test`)).body.eventId);
    await sleep(3000);
    await receiver.start(port);
    await eventually(async () => expect(receiver.received.slice(before).map((event) => event.webhookId)).toEqual(expect.arrayContaining(tests)), 10_000);
    const arrived = receiver.received.map((event) => event.webhookId).filter((id) => tests.includes(id));
    expect(arrived).toEqual(tests);
    const ids = receiver.received.map((event) => event.webhookId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(receiver.badSignatures).toEqual([]);
  });

  it('signs with the old and the new secret during a rotation, so a receiver can switch without a failed delivery', async () => {
    const oldSecret = receiver.secret;
    const rotated = await admin.post(`/v1/webhooks/${endpointId}/secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(oldSecret);
    expect(Date.parse(rotated.body.previousSecretValidUntil)).toBeGreaterThan(Date.now() + 23 * 3_600_000);
    const withOld = (await admin.post(`/v1/webhooks/${endpointId}/test`)).body.eventId;
    await eventually(async () => expect(receiver.received.map((event) => event.webhookId)).toContain(withOld), 5000);
    expect(receiver.signatureHeaders.at(-1)!.split(' ')).toHaveLength(2);
    receiver.secret = rotated.body.secret;
    const withNew = (await admin.post(`/v1/webhooks/${endpointId}/test`)).body.eventId;
    await eventually(async () => expect(receiver.received.map((event) => event.webhookId)).toContain(withNew), 5000);
    expect(receiver.badSignatures).toEqual([]);
    expect((await admin.get('/v1/audit-events?action=webhook.*&limit=200')).text).not.toContain(rotated.body.secret.slice('whsec_'.length));
  });

  it('follows no redirect, disables an endpoint that answers 410, and refuses at delivery a name that resolves to a loopback address', async () => {
    const other = new Receiver();
    await other.start();
    other.answer = 307;
    const created = await admin.post('/v1/webhooks', { url: other.url, eventTypes: ['webhook.test'] });
    other.secret = created.body.secret;
    const deliveries = async () => (await admin.get(`/v1/webhooks/${created.body.id}/deliveries`)).body.items;
    await admin.post(`/v1/webhooks/${created.body.id}/test`);
    await eventually(async () => expect((await deliveries())[0]).toMatchObject({ status: 'pending', lastStatus: 307, lastResponse: 'not now' }), 5000);
    other.answer = 410;
    await eventually(async () => expect((await deliveries())[0]).toMatchObject({ status: 'failed', lastStatus: 410 }), 5000);
    expect((await admin.get(`/v1/webhooks/${created.body.id}`)).body).toMatchObject({ enabled: false, disabledReason: 'the receiver answered 410 Gone' });
    await other.stop();

    // This machine's own name is not in WEBHOOK_ALLOWED_HOSTS: saved, as a name, but refused once resolved.
    const name = hostname();
    const resolved = await lookup(name).catch(() => undefined);
    if (!resolved || !/^127\.|^::1$/.test(resolved.address)) return;
    const byName = await admin.post('/v1/webhooks', { url: `http://${name}:${receiver.port}/hooks`, eventTypes: ['webhook.test'] });
    expect(byName.status).toBe(201);
    await admin.post(`/v1/webhooks/${byName.body.id}/test`);
    await eventually(async () => {
      const [delivery] = (await admin.get(`/v1/webhooks/${byName.body.id}/deliveries`)).body.items;
      expect(delivery).toMatchObject({ status: 'pending', lastStatus: null, lastError: expect.stringMatching(/resolves to 127\..*loopback or link-local/) });
    }, 5000);
    expect((await admin.delete(`/v1/webhooks/${byName.body.id}`)).status).toBe(204);
  });

  it('tells of an audit outage once the audit log takes writes again', async () => {
    // Another session holds the chain longer than AUDIT_WRITE_TIMEOUT_MS: the change is refused.
    await world.database.query('BEGIN');
    await world.database.query('SELECT 1 FROM audit_chain WHERE id = 1 FOR UPDATE');
    const refused = await admin.post('/v1/tenants', makeTenant());
    await world.database.query('COMMIT');
    expect(refused.status).toBe(503);
    expect((await admin.post('/v1/tenants', makeTenant())).status).toBe(201);
    // One pair per replica that failed to write (the other one may have failed too, with its own pair).
    await eventually(async () => expect(receiver.ofType('audit.available').length).toBeGreaterThanOrEqual(1), 5000);
    expect(receiver.ofType('audit.unavailable')).toHaveLength(receiver.ofType('audit.available').length);
    const available = receiver.ofType('audit.available')[0].payload.data;
    expect(Date.parse(available.until)).toBeGreaterThanOrEqual(Date.parse(available.since));
  });

  it('loses no event when a replica is killed mid-delivery', async () => {
    const slow = new Receiver();
    await slow.start();
    const created = await admin.post('/v1/webhooks', { url: slow.url, eventTypes: ['audit.checkpoint'] });
    slow.secret = created.body.secret;
    slow.answer = 503;
    const tests: string[] = [];
    for (let i = 0; i < 3; i++) tests.push((await admin.post(`/v1/webhooks/${created.body.id}/test`)).body.eventId);
    // Both replicas try, fail, back off; one of them dies; the other delivers everything once the receiver answers.
    await sleep(600);
    const [doomed, survivor] = world.brokers as [ServiceProcess, ServiceProcess];
    await doomed.kill();
    slow.answer = undefined;
    await eventually(async () => expect(slow.received.map((event) => event.webhookId).filter((id) => tests.includes(id))).toEqual(tests), 10_000);
    expect(survivor.running).toBe(true);
    await slow.stop();
  });

  it('signs checkpoints verifiable with the JWKS, and audit:verify --checkpoints catches a chain rewritten with recomputed hashes', async () => {
    const survivor = world.brokers[1];
    const survivorAdmin = world.admins[1];
    await eventually(async () => expect(receiver.ofType('audit.checkpoint').length).toBeGreaterThanOrEqual(2), 10_000);
    const listed = await survivorAdmin.get('/v1/audit-events/checkpoints?limit=5');
    expect(listed.status).toBe(200);
    const jwks = createLocalJWKSet(await (await fetch(`${survivor.url}/.well-known/jwks.json`)).json());
    const { payload, protectedHeader } = await compactVerify(listed.body.items[0].jws, jwks);
    expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'audit-checkpoint+jws', kid: listed.body.items[0].kid });
    expect(JSON.parse(new TextDecoder().decode(payload))).toMatchObject({ seq: listed.body.items[0].seq, hash: listed.body.items[0].hash });

    // Kept elsewhere: the webhook bodies, one JSON line each.
    const kept = join(mkdtempSync(join(tmpdir(), 'checkpoints-')), 'checkpoints.jsonl');
    writeFileSync(
      kept,
      receiver
        .ofType('audit.checkpoint')
        .map((event) => JSON.stringify(event.payload))
        .join('\n') + '\n',
    );
    const firstKept = receiver.ofType('audit.checkpoint')[0].payload.data;

    // Someone with database access edits the first event and recomputes every hash after it.
    await survivor.stop();
    await rewriteChain(world);
    const env = { DATABASE_URL: world.database.url };
    const plain = await verifyCommand([], env);
    expect({ code: plain.code, ok: JSON.parse(plain.stdout).ok }).toEqual({ code: 0, ok: true });
    const withCheckpoints = await verifyCommand(['--checkpoints', kept], env);
    expect(withCheckpoints.code).toBe(1);
    const result = JSON.parse(withCheckpoints.stdout);
    expect(result).toMatchObject({ ok: false, checkpoints: { firstMismatch: { seq: firstKept.seq, hash: firstKept.hash, line: 1 } } });
  });
});

/** Rewrites every event (the first one edited) with hashes recomputed the way the broker computes them. */
async function rewriteChain(world: World): Promise<void> {
  await world.database.query('BEGIN');
  try {
    await world.database.query("SET LOCAL session_replication_role = 'replica'");
    const [chain] = await world.database.query<{ anchor_hash: string }>('SELECT anchor_hash FROM audit_chain WHERE id = 1 FOR UPDATE');
    const rows = await world.database.query<Record<string, any>>('SELECT * FROM audit_events ORDER BY seq');
    let prev = chain.anchor_hash;
    for (const [index, row] of rows.entries()) {
      const fields = {
        seq: row.seq,
        occurredAt: row.occurred_at.toISOString(),
        actorType: row.actor_type,
        actorId: row.actor_id,
        actorName: index === 0 ? 'someone else' : row.actor_name,
        action: row.action,
        tenantId: row.tenant_id,
        targetType: row.target_type,
        targetId: row.target_id,
        outcome: row.outcome,
        requestId: row.request_id,
        callerIp: row.caller_ip,
        details: row.details,
      };
      const hash = eventHash(prev, fields);
      await world.database.query('UPDATE audit_events SET actor_name = $2, prev_hash = $3, hash = $4 WHERE seq = $1', [row.seq, fields.actorName, prev, hash]);
      prev = hash;
    }
    await world.database.query('UPDATE audit_chain SET head_hash = $1 WHERE id = 1', [prev]);
    await world.database.query('COMMIT');
  } catch (error) {
    await world.database.query('ROLLBACK');
    throw error;
  }
}

function verifyCommand(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'src', 'audit', 'commands', 'verify-audit.command.js'), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((done) => child.once('exit', (code) => done({ code, stdout, stderr })));
}
