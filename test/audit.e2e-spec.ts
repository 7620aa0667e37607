import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { adminClient, brokerToken, createPrincipal } from './support/auth';
import { createTestDatabase, TestDatabase } from './support/database';
import { makeTenant } from './support/factories';
import { HttpClient } from './support/http';
import { metric } from './support/metrics';
import { ServiceProcess, startBroker, TEST_ADMIN } from './support/processes';

const run = promisify(execFile);
const VERIFY_COMMAND = join(__dirname, '..', 'dist', 'src', 'audit', 'commands', 'verify-audit.command.js');

async function allEvents(database: TestDatabase) {
  return database.query<{ seq: string; action: string; request_id: string | null; details: unknown }>('SELECT * FROM audit_events ORDER BY seq');
}

describe('audit log', () => {
  let database: TestDatabase;
  let broker: ServiceProcess;
  let admin: HttpClient;

  beforeAll(async () => {
    database = await createTestDatabase();
    broker = await startBroker({ databaseUrl: database.url });
    admin = await adminClient(broker);
  });

  afterAll(async () => {
    await broker?.stop();
    await database?.drop();
  });

  it('records mutations with actor, target, request id and caller address', async () => {
    const created = await admin.post('/v1/tenants', makeTenant(), { headers: { 'x-request-id': 'audit-create-1' } });
    await admin.patch(`/v1/tenants/${created.body.id}`, { name: 'Renamed Sdn Bhd' });
    await admin.delete(`/v1/tenants/${created.body.id}`);
    const page = await admin.get(`/v1/audit-events?tenantId=${created.body.id}`);
    expect(page.status).toBe(200);
    expect(page.body.items.map((e: { action: string }) => e.action)).toEqual(['tenant.deleted', 'tenant.updated', 'tenant.created']);
    const [, updated, creation] = page.body.items;
    expect(creation).toMatchObject({
      actor: { type: 'principal', name: 'bootstrap admin', id: expect.any(String) },
      target: { type: 'tenant', id: created.body.id },
      outcome: 'success',
      requestId: 'audit-create-1',
      callerIp: '127.0.0.1',
      details: { tin: created.body.tin, environment: 'sandbox' },
    });
    expect(updated.details.changes).toEqual({ name: { from: created.body.name, to: 'Renamed Sdn Bhd' } });
  });

  it('writes no event for a mutation that failed', async () => {
    const input = makeTenant();
    await admin.post('/v1/tenants', input);
    const before = (await allEvents(database)).length;
    expect((await admin.post('/v1/tenants', input)).status).toBe(409);
    const after = await allEvents(database);
    expect(after.filter((e) => e.action === 'tenant.created').length).toBe((await allEvents(database)).filter((e) => e.action === 'tenant.created').length);
    expect(after.length).toBe(before);
  });

  it('records refused requests as auth.denied, anonymous or by principal', async () => {
    await fetch(`${broker.url}/v1/tenants`, { headers: { authorization: 'Bearer nonsense', 'x-request-id': 'denied-anon' } });
    const service = await createPrincipal(broker, admin);
    await service.client.get('/v1/principals', { headers: { 'x-request-id': 'denied-role' } });
    await fetch(`${broker.url}/v1/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-request-id': 'denied-login' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: service.clientId, client_secret: 'wrong' }),
    });
    const denied = (await admin.get('/v1/audit-events?action=auth.denied&limit=200')).body.items;
    const byRequest = (id: string) => denied.find((e: { requestId: string }) => e.requestId === id);
    expect(byRequest('denied-anon')).toMatchObject({ actor: { type: 'anonymous' }, outcome: 'denied', details: { code: 'invalid_token', route: '/v1/tenants' } });
    expect(byRequest('denied-role')).toMatchObject({ actor: { type: 'principal', id: service.id }, details: { code: 'forbidden' } });
    expect(byRequest('denied-login')).toMatchObject({ actor: { type: 'anonymous' }, details: { clientId: service.clientId, reason: 'wrong secret' } });
  });

  it('filters by action prefix, actor and time, pages newest first, and validates its query', async () => {
    const service = await createPrincipal(broker, admin);
    await admin.post(`/v1/principals/${service.id}/secret`);
    const byActor = await admin.get(`/v1/audit-events?actorId=${service.id}`);
    expect(byActor.body.items.every((e: { actor: { id: string } }) => e.actor.id === service.id)).toBe(true);
    const principalEvents = await admin.get('/v1/audit-events?action=principal.*&limit=200');
    expect(new Set(principalEvents.body.items.map((e: { action: string }) => e.action))).toEqual(
      new Set(['principal.created', 'principal.secret_rotated']),
    );

    const seqs: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: Array<{ seq: string }>; nextCursor: string | null } } = await admin.get(`/v1/audit-events?limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      seqs.push(...page.body.items.map((e) => e.seq));
      cursor = page.body.nextCursor;
    } while (cursor);
    const numbers = seqs.map(Number);
    expect(numbers).toEqual([...numbers].sort((a, b) => b - a));
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(numbers[numbers.length - 1]).toBe(1);

    const future = await admin.get(`/v1/audit-events?from=${new Date(Date.now() + 60_000).toISOString()}`);
    expect(future.body.items).toEqual([]);
    for (const [query, field] of [['tenantId=x', 'tenantId'], ['from=yesterday', 'from'], ['action=DROP TABLE', 'action'], ['cursor=abc', 'cursor']]) {
      const response = await admin.get(`/v1/audit-events?${query}`);
      expect(response.status).toBe(400);
      expect(response.body.errors[0].field).toBe(field);
    }
  });

  it('keeps every secret out of the log', async () => {
    const secrets: string[] = [TEST_ADMIN.clientSecret];
    for (let i = 0; i < 3; i++) {
      const created = await admin.post('/v1/principals', { name: `secretive ${i}`, role: 'service', tenantGrants: ['*'] });
      secrets.push(created.body.clientSecret);
      const rotated = await admin.post(`/v1/principals/${created.body.id}/secret`);
      secrets.push(rotated.body.clientSecret);
      const token = await brokerToken(broker, created.body.clientId, rotated.body.clientSecret);
      secrets.push(token);
    }
    const dump = JSON.stringify(await allEvents(database));
    for (const secret of secrets) expect(dump).not.toContain(secret);
    expect(broker.logs()).not.toContain(secrets[1]);
  });

  it('is append-only: the database refuses UPDATE, DELETE and TRUNCATE', async () => {
    await expect(database.query("UPDATE audit_events SET actor_name = 'x' WHERE seq = 1")).rejects.toThrow(/append-only/);
    await expect(database.query('DELETE FROM audit_events WHERE seq = 1')).rejects.toThrow(/append-only/);
    await expect(database.query('TRUNCATE audit_events')).rejects.toThrow(/append-only/);
    await expect(database.query('UPDATE audit_chain SET head_seq = 0')).rejects.toThrow(/cannot move back/);
    await expect(database.query("UPDATE audit_chain SET anchor_hash = repeat('1', 64)")).rejects.toThrow(/only in a purge/);
  });

  it('verifies, and reports the first edited row, over the API and from the command line', async () => {
    const good = await admin.get('/v1/audit-events/verify');
    expect(good.body).toMatchObject({ ok: true, checked: Number(good.body.headSeq) });
    const cli = await run(process.execPath, [VERIFY_COMMAND], { env: { PATH: process.env.PATH, DATABASE_URL: database.url } });
    expect(JSON.parse(cli.stdout)).toMatchObject({ ok: true });

    const victim = Math.max(2, Math.floor(Number(good.body.headSeq) / 2));
    await tamper(database, `UPDATE audit_events SET details = details || '{"note":"edited"}' WHERE seq = ${victim}`);
    const broken = await admin.get('/v1/audit-events/verify');
    expect(broken.body).toMatchObject({ ok: false, firstBrokenSeq: String(victim), reason: expect.stringMatching(/hash/) });
    const failed = await run(process.execPath, [VERIFY_COMMAND], { env: { PATH: process.env.PATH, DATABASE_URL: database.url } }).catch((error) => error);
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout)).toMatchObject({ ok: false, firstBrokenSeq: String(victim) });

    // A range that ends before the edit still verifies.
    const before = await database.query<{ occurred_at: Date }>('SELECT occurred_at FROM audit_events WHERE seq = $1', [victim - 1]);
    const partial = await admin.get(`/v1/audit-events/verify?to=${encodeURIComponent(new Date(before[0].occurred_at.getTime() - 1).toISOString())}`);
    expect(partial.body.ok).toBe(true);
  });

  async function tamper(db: TestDatabase, sql: string): Promise<void> {
    await db.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only');
    try {
      await db.query(sql);
    } finally {
      await db.query('ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only');
    }
  }
});

describe('audit log under load, across replicas, through failures and a purge', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('keeps one total, verifiable chain with concurrent writers on two replicas', async () => {
    const [a, b] = await Promise.all([startBroker({ databaseUrl: database.url }), startBroker({ databaseUrl: database.url })]);
    try {
      const [adminA, adminB] = await Promise.all([adminClient(a), adminClient(b)]);
      const work: Array<Promise<unknown>> = [];
      for (let i = 0; i < 60; i++) {
        const client = i % 2 === 0 ? adminA : adminB;
        work.push(client.post('/v1/tenants', makeTenant()));
        work.push(fetch(`${(i % 2 === 0 ? a : b).url}/v1/tenants`, { headers: { authorization: 'Bearer x' } }));
      }
      await Promise.all(work);
      const result = await adminA.get('/v1/audit-events/verify');
      expect(result.body.ok).toBe(true);
      const events = await allEvents(database);
      expect(result.body.checked).toBe(events.length);
      expect(events.filter((e) => e.action === 'tenant.created').length).toBeGreaterThanOrEqual(60);
      expect(events.filter((e) => e.action === 'auth.denied').length).toBeGreaterThanOrEqual(60);
      events.forEach((event, index) => expect(Number(event.seq)).toBe(index + 1));
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('group-commits: many requests share few commits, and none is lost when the process is killed after answering', async () => {
    const broker = await startBroker({ databaseUrl: database.url });
    const admin = await adminClient(broker);
    const commitsBefore = await metric(admin, 'broker_audit_group_commits_total');
    const eventsBefore = await metric(admin, 'broker_audit_events_total', { path: 'group' });
    const ids = Array.from({ length: 300 }, (_, i) => `kill-test-${i}`);
    const responses = await Promise.all(
      ids.map((id) => fetch(`${broker.url}/v1/tenants`, { headers: { authorization: 'Bearer x', 'x-request-id': id } })),
    );
    expect(responses.every((r) => r.status === 401)).toBe(true);
    const commits = (await metric(admin, 'broker_audit_group_commits_total')) - commitsBefore;
    const events = (await metric(admin, 'broker_audit_events_total', { path: 'group' })) - eventsBefore;
    expect(events).toBeGreaterThanOrEqual(300);
    expect(commits).toBeLessThan(events / 3);

    await broker.kill();
    const recorded = await database.query<{ request_id: string }>('SELECT request_id FROM audit_events WHERE request_id = ANY($1)', [ids]);
    expect(new Set(recorded.map((r) => r.request_id))).toEqual(new Set(ids));
  });

  it('fails closed: with the chain stuck, tokens are refused with 503 and a metric says so; then recovers', async () => {
    const broker = await startBroker({ databaseUrl: database.url, env: { AUDIT_WRITE_TIMEOUT_MS: '500' } });
    const admin = await adminClient(broker);
    const blocker = new Client({ connectionString: database.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT * FROM audit_chain WHERE id = 1 FOR UPDATE');
      const login = await fetch(`${broker.url}/v1/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: TEST_ADMIN.clientId, client_secret: TEST_ADMIN.clientSecret }),
      });
      expect(login.status).toBe(503);
      expect(((await login.json()) as { error: string }).error).toBe('server_error');
      const mutation = await admin.post('/v1/tenants', makeTenant());
      expect(mutation.status).toBe(503);
      expect(mutation.body.code).toBe('audit_unavailable');
      await blocker.query('ROLLBACK');
      expect(await metric(admin, 'broker_audit_available')).toBe(0);
      expect(await metric(admin, 'broker_audit_write_failures_total')).toBeGreaterThan(0);
      await broker.waitForLog(/could not write audit events/);
      await brokerToken(broker, TEST_ADMIN.clientId, TEST_ADMIN.clientSecret);
      expect(await metric(admin, 'broker_audit_available')).toBe(1);
    } finally {
      await blocker.end();
      await broker.stop();
    }
  });

  it('fails open when AUDIT_FAIL_CLOSED=false, and says so in the log', async () => {
    const broker = await startBroker({ databaseUrl: database.url, env: { AUDIT_WRITE_TIMEOUT_MS: '300', AUDIT_FAIL_CLOSED: 'false' } });
    const blocker = new Client({ connectionString: database.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT * FROM audit_chain WHERE id = 1 FOR UPDATE');
      await brokerToken(broker, TEST_ADMIN.clientId, TEST_ADMIN.clientSecret);
      await broker.waitForLog(/audit event lost/);
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
      await broker.stop();
    }
  });

  it('purges the oldest events on request, keeps the rest verifiable from the new anchor, and records the purge', async () => {
    const broker = await startBroker({ databaseUrl: database.url });
    try {
      const admin = await adminClient(broker);
      await admin.post('/v1/tenants', makeTenant());
      const cutoff = new Date().toISOString();
      await new Promise((resolve) => setTimeout(resolve, 20));
      const kept = (await admin.post('/v1/tenants', makeTenant())).body.id;
      const before = await allEvents(database);

      expect((await admin.post('/v1/audit-events/purge', {})).status).toBe(400);
      expect((await admin.post('/v1/audit-events/purge', { before: new Date(Date.now() + 86_400_000).toISOString() })).status).toBe(400);
      const purged = await admin.post('/v1/audit-events/purge', { before: cutoff });
      expect(purged.status).toBe(200);
      expect(purged.body.deleted).toBeGreaterThan(0);

      const after = await allEvents(database);
      expect(Number(after[0].seq)).toBe(Number(purged.body.anchorSeq) + 1);
      expect(after.some((e) => e.action === 'tenant.created' && JSON.stringify(e).includes(kept))).toBe(true);
      expect(after[after.length - 1]).toMatchObject({ action: 'audit.purged', details: expect.objectContaining({ deleted: purged.body.deleted }) });
      expect(after.length).toBe(before.length - purged.body.deleted + 1);
      const verified = await admin.get('/v1/audit-events/verify');
      expect(verified.body).toMatchObject({ ok: true, anchorSeq: purged.body.anchorSeq });

      const again = await admin.post('/v1/audit-events/purge', { before: cutoff });
      expect(again.body.deleted).toBe(0);
      await admin.post('/v1/tenants', makeTenant());
      expect((await admin.get('/v1/audit-events/verify')).body.ok).toBe(true);
    } finally {
      await broker.stop();
    }
  });
});
