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
import { eventually } from './support/simulator';
import { startWorld, taxpayerTenant, World } from './support/world';

const run = promisify(execFile);
const VERIFY_COMMAND = join(__dirname, '..', 'dist', 'src', 'audit', 'commands', 'verify-audit.command.js');

async function allEvents(database: TestDatabase) {
  return database.query<{ seq: string; action: string; request_id: string | null; actor_id: string | null; details: Record<string, unknown> }>(
    'SELECT * FROM audit_events ORDER BY seq',
  );
}

/** Runs SQL on audit_events with its append-only trigger disabled: what someone with the database could do. */
async function tamper(db: TestDatabase, sql: string, params?: unknown[]): Promise<void> {
  await db.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only');
  try {
    await db.query(sql, params);
  } finally {
    await db.query('ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only');
  }
}

/** Tests cannot wait for a retention age to pass: the events of the chain so far are dated back. */
async function ageChain(db: TestDatabase, days: number): Promise<{ head: string; anchor: string }> {
  const [chain] = await db.query<{ head_seq: string; anchor_seq: string }>('SELECT head_seq, anchor_seq FROM audit_chain');
  await tamper(db, 'UPDATE audit_events SET occurred_at = occurred_at - make_interval(days => $1) WHERE seq > $2 AND seq <= $3', [
    days,
    chain.anchor_seq,
    chain.head_seq,
  ]);
  return { head: chain.head_seq, anchor: chain.anchor_seq };
}

/** Holds the chain's lock from another session until released: the audit log is stuck. */
async function lockChain(db: TestDatabase): Promise<{ release(): Promise<void> }> {
  const blocker = new Client({ connectionString: db.url });
  await blocker.connect();
  await blocker.query('BEGIN');
  await blocker.query('SELECT * FROM audit_chain WHERE id = 1 FOR UPDATE');
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      await blocker.query('ROLLBACK');
      await blocker.end();
    },
  };
}

/** A client-credentials login at the broker, JSON-encoded as given; the response as is. */
function loginAttempt(broker: ServiceProcess, json: string, requestId?: string): Promise<Response> {
  return fetch(`${broker.url}/v1/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(requestId ? { 'x-request-id': requestId } : {}) },
    body: json,
  });
}

const adminLogin = (broker: ServiceProcess) =>
  loginAttempt(broker, JSON.stringify({ grant_type: 'client_credentials', client_id: TEST_ADMIN.clientId, client_secret: TEST_ADMIN.clientSecret }));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
    const before = await allEvents(database);
    expect((await admin.post('/v1/tenants', input)).status).toBe(409);
    const after = await allEvents(database);
    expect(after.map((e) => e.seq)).toEqual(before.map((e) => e.seq));
    expect(after.filter((e) => e.action === 'tenant.created' && JSON.stringify(e.details).includes(input.tin))).toHaveLength(1);
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
    expect(byRequest('denied-anon')).toMatchObject({
      actor: { type: 'anonymous' },
      outcome: 'denied',
      details: { code: 'invalid_token', route: '/v1/tenants' },
    });
    expect(byRequest('denied-role')).toMatchObject({ actor: { type: 'principal', id: service.id }, details: { code: 'forbidden' } });
    expect(byRequest('denied-login')).toMatchObject({ actor: { type: 'anonymous' }, details: { clientId: service.clientId, reason: 'wrong secret' } });
  });

  it('filters by action prefix, actor and time, pages newest first, and validates its query', async () => {
    const service = await createPrincipal(broker, admin);
    await admin.post(`/v1/principals/${service.id}/secret`);
    const byActor = await admin.get(`/v1/audit-events?actorId=${service.id}`);
    expect(byActor.body.items.every((e: { actor: { id: string } }) => e.actor.id === service.id)).toBe(true);
    const principalEvents = await admin.get('/v1/audit-events?action=principal.*&limit=200');
    expect(new Set(principalEvents.body.items.map((e: { action: string }) => e.action))).toEqual(new Set(['principal.created', 'principal.secret_rotated']));

    const seqs: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: Array<{ seq: string }>; nextCursor: string | null } } = await admin.get(
        `/v1/audit-events?limit=7${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seqs.push(...page.body.items.map((e) => e.seq));
      cursor = page.body.nextCursor;
    } while (cursor);
    const numbers = seqs.map(Number);
    expect(numbers).toEqual([...numbers].sort((a, b) => b - a));
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(numbers[numbers.length - 1]).toBe(1);

    const future = await admin.get(`/v1/audit-events?from=${new Date(Date.now() + 60_000).toISOString()}`);
    expect(future.body.items).toEqual([]);
    const cursorAt = (seq: string) => Buffer.from(JSON.stringify({ seq })).toString('base64url');
    expect((await admin.get(`/v1/audit-events?cursor=${cursorAt('9223372036854775807')}`)).status).toBe(200);
    for (const [query, field] of [
      ['tenantId=x', 'tenantId'],
      ['from=yesterday', 'from'],
      ['action=DROP TABLE', 'action'],
      ['cursor=abc', 'cursor'],
      // Past bigint: it used to reach PostgreSQL (500).
      [`cursor=${cursorAt('9223372036854775808')}`, 'cursor'],
      [`cursor=${cursorAt('9999999999999999999')}`, 'cursor'],
      // ISO 8601 forms that JavaScript reads as Invalid Date (they used to give 500), or rolls over.
      ['from=2026-W01-1', 'from'],
      ['to=2026-123', 'to'],
      ['from=20260519', 'from'],
      ['to=2026-02-30T00:00:00Z', 'to'],
      ['from=0000-01-01T00:00:00Z', 'from'],
    ]) {
      const response = await admin.get(`/v1/audit-events?${query}`);
      expect({ query, status: response.status, field: response.body.errors?.[0].field }).toEqual({ query, status: 400, field });
    }
  });

  it('refuses dates it cannot read on verify and purge, naming the field', async () => {
    for (const [query, field] of [
      ['from=2026-W01-1', 'from'],
      ['to=20260519', 'to'],
      ['from=2026-123', 'from'],
    ]) {
      const response = await admin.get(`/v1/audit-events/verify?${query}`);
      expect({ query, status: response.status, field: response.body.errors?.[0].field }).toEqual({ query, status: 400, field });
    }
    const purge = await admin.post('/v1/audit-events/purge', { before: '2026-W01-1' });
    expect(purge.status).toBe(400);
    expect(purge.body.errors).toEqual([{ field: 'before', message: expect.stringMatching(/RFC 3339/) }]);
  });

  it('refuses every purge when no retention is configured', async () => {
    const anchorBefore = (await admin.get('/v1/audit-events/verify')).body.anchorSeq;
    for (const body of [{ olderThanDays: 36_000 }, { before: '2000-01-01T00:00:00Z' }]) {
      const response = await admin.post('/v1/audit-events/purge', body);
      expect(response.status).toBe(409);
      expect(response.body.code).toBe('audit_purge_disabled');
    }
    expect((await admin.get('/v1/audit-events/verify')).body.anchorSeq).toBe(anchorBefore);
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
      // One clock (the database's, read under the chain lock) for both replicas: time never runs back along the chain.
      const [{ backwards }] = await database.query<{ backwards: number }>(
        'SELECT count(*)::int AS backwards FROM (SELECT occurred_at < lag(occurred_at) OVER (ORDER BY seq) AS back FROM audit_events) steps WHERE back',
      );
      expect(backwards).toBe(0);
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
    const responses = await Promise.all(ids.map((id) => fetch(`${broker.url}/v1/tenants`, { headers: { authorization: 'Bearer x', 'x-request-id': id } })));
    expect(responses.every((r) => r.status === 401)).toBe(true);
    const commits = (await metric(admin, 'broker_audit_group_commits_total')) - commitsBefore;
    const events = (await metric(admin, 'broker_audit_events_total', { path: 'group' })) - eventsBefore;
    expect(events).toBeGreaterThanOrEqual(300);
    expect(commits).toBeLessThan(events / 3);

    await broker.kill();
    const recorded = await database.query<{ request_id: string }>('SELECT request_id FROM audit_events WHERE request_id = ANY($1)', [ids]);
    expect(new Set(recorded.map((r) => r.request_id))).toEqual(new Set(ids));
  });

  it('lets neither malformed text nor an event the database refuses sink the rest of its group commit', async () => {
    const broker = await startBroker({ databaseUrl: database.url, env: { AUDIT_WRITE_TIMEOUT_MS: '20000' } });
    let chain: { release(): Promise<void> } | undefined;
    try {
      const admin = await adminClient(broker);
      const service = await createPrincipal(broker, admin);
      // Stands in for any event that the database refuses whatever the writer does.
      await database.query(`ALTER TABLE audit_events ADD CONSTRAINT test_refuse_poison CHECK (details->>'clientId' IS DISTINCT FROM 'poison-pill')`);
      const failuresBefore = await metric(admin, 'broker_audit_write_failures_total');
      chain = await lockChain(database);
      // The first event takes the first batch, which waits for the lock; all that follows queues into one next batch.
      const first = fetch(`${broker.url}/v1/tenants`, { headers: { authorization: 'Bearer x' } });
      await sleep(500);
      const surrogate = loginAttempt(broker, '{"grant_type":"client_credentials","client_id":"\\ud800","client_secret":"x"}', 'odd-surrogate');
      const poison = loginAttempt(broker, '{"grant_type":"client_credentials","client_id":"poison-pill","client_secret":"x"}', 'odd-poison');
      const good = Array.from({ length: 4 }, () => brokerToken(broker, service.clientId, service.clientSecret));
      await sleep(3000);
      await chain.release();
      // Unrelated logins in the same batch all get their token (Promise.all rejects on any 503).
      expect(await Promise.all(good)).toHaveLength(4);
      expect([(await first).status, (await poison).status]).toEqual([401, 401]);
      // A refused login (401 today; 400 once the login DTO refuses such text), never a 5xx.
      expect((await surrogate).status).toBeLessThan(500);

      const events = await allEvents(database);
      expect(events.filter((e) => e.action === 'auth.login' && e.actor_id === service.id)).toHaveLength(5);
      expect(events.some((e) => e.request_id === 'odd-poison')).toBe(false);
      // What the writer stored of the lone surrogate, where the request got that far: U+FFFD.
      for (const event of events.filter((e) => e.request_id === 'odd-surrogate')) expect(event.details.clientId).toBe('\ufffd');
      expect(await metric(admin, 'broker_audit_write_failures_total')).toBe(failuresBefore + 1);
      expect(await metric(admin, 'broker_audit_available')).toBe(1);
      await broker.waitForLog(/the database refused an audit event/);
      expect((await admin.get('/v1/audit-events/verify')).body.ok).toBe(true);
    } finally {
      await chain?.release();
      await database.query('ALTER TABLE audit_events DROP CONSTRAINT IF EXISTS test_refuse_poison');
      await broker.stop();
    }
  });

  it('fails closed: with the chain stuck, changes and tokens are refused with 503, metrics and the log say so; then recovers', async () => {
    const broker = await startBroker({ databaseUrl: database.url, env: { AUDIT_WRITE_TIMEOUT_MS: '500' } });
    const admin = await adminClient(broker);
    const chain = await lockChain(database);
    try {
      // A change first: its own write, in its transaction, must show in the metrics.
      const mutation = await admin.post('/v1/tenants', makeTenant());
      expect(mutation.status).toBe(503);
      expect(mutation.body.code).toBe('audit_unavailable');
      expect(await metric(admin, 'broker_audit_available')).toBe(0);
      expect(await metric(admin, 'broker_audit_write_failures_total')).toBe(1);
      const down = await admin.get('/v1/audit-events/status');
      expect(down.body).toEqual({ available: false, since: expect.any(String), lastFailureAt: down.body.since, failClosed: true });
      const login = await adminLogin(broker);
      expect(login.status).toBe(503);
      expect(((await login.json()) as { error: string }).error).toBe('server_error');
      await chain.release();
      await broker.waitForLog(/could not write audit events/);
      expect((await admin.post('/v1/tenants', makeTenant())).status).toBe(201);
      expect(await metric(admin, 'broker_audit_available')).toBe(1);
      const up = await admin.get('/v1/audit-events/status');
      expect(up.body).toMatchObject({ available: true, failClosed: true, lastFailureAt: expect.any(String) });
      expect(Date.parse(up.body.since)).toBeGreaterThan(Date.parse(down.body.since));
      await brokerToken(broker, TEST_ADMIN.clientId, TEST_ADMIN.clientSecret);
    } finally {
      await chain.release();
      await broker.stop();
    }
  });

  it('fails closed when a statement of the audit write stalls, not only when the lock does', async () => {
    const broker = await startBroker({ databaseUrl: database.url, env: { AUDIT_WRITE_TIMEOUT_MS: '500' } });
    const admin = await adminClient(broker);
    await database.query(`CREATE FUNCTION test_stall() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(30); RETURN NULL; END $$`);
    await database.query('CREATE TRIGGER test_stall BEFORE INSERT ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION test_stall()');
    try {
      const started = Date.now();
      const mutation = await admin.post('/v1/tenants', makeTenant());
      expect(mutation.status).toBe(503);
      expect((await adminLogin(broker)).status).toBe(503);
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(await metric(admin, 'broker_audit_available')).toBe(0);
    } finally {
      await database.query('DROP TRIGGER test_stall ON audit_events');
      await database.query('DROP FUNCTION test_stall()');
      await broker.stop();
    }
  });

  it('counts a full queue as a failed write: refused at once, broker_audit_available 0, said in the log', async () => {
    const broker = await startBroker({ databaseUrl: database.url, env: { AUDIT_WRITE_TIMEOUT_MS: '20000', AUDIT_QUEUE_MAX: '1' } });
    const admin = await adminClient(broker);
    const chain = await lockChain(database);
    try {
      const inFlight = adminLogin(broker);
      await sleep(500);
      const queued = adminLogin(broker);
      await sleep(500);
      const overflow = await adminLogin(broker);
      expect(overflow.status).toBe(503);
      expect(await metric(admin, 'broker_audit_available')).toBe(0);
      expect(await metric(admin, 'broker_audit_write_failures_total')).toBe(1);
      await broker.waitForLog(/audit queue is full/);
      await chain.release();
      expect([(await inFlight).status, (await queued).status]).toEqual([200, 200]);
      expect(await metric(admin, 'broker_audit_available')).toBe(1);
    } finally {
      await chain.release();
      await broker.stop();
    }
  });

  it('fails open when AUDIT_FAIL_CLOSED=false, and says so in the log', async () => {
    const broker = await startBroker({ databaseUrl: database.url, env: { AUDIT_WRITE_TIMEOUT_MS: '300', AUDIT_FAIL_CLOSED: 'false' } });
    const chain = await lockChain(database);
    try {
      await brokerToken(broker, TEST_ADMIN.clientId, TEST_ADMIN.clientSecret);
      await broker.waitForLog(/audit event lost/);
    } finally {
      await chain.release();
      await broker.stop();
    }
  });

  it('purges only events older than AUDIT_RETENTION_DAYS, keeps the rest verifiable from the new anchor, and records the purge', async () => {
    const broker = await startBroker({ databaseUrl: database.url, env: { AUDIT_RETENTION_DAYS: '30' } });
    try {
      const admin = await adminClient(broker);
      await admin.post('/v1/tenants', makeTenant());
      const { head, anchor } = await ageChain(database, 40);
      const kept = (await admin.post('/v1/tenants', makeTenant())).body.id;
      const before = await allEvents(database);

      expect((await admin.post('/v1/audit-events/purge', {})).status).toBe(400);
      const recent = await admin.post('/v1/audit-events/purge', { before: new Date(Date.now() - 29 * 86_400_000).toISOString() });
      expect(recent.status).toBe(400);
      expect(recent.body.errors).toEqual([{ field: 'before', message: expect.stringMatching(/AUDIT_RETENTION_DAYS \(30\)/) }]);
      const recentDays = await admin.post('/v1/audit-events/purge', { olderThanDays: 29 });
      expect(recentDays.body.errors?.[0].field).toBe('olderThanDays');
      expect((await allEvents(database)).length).toBe(before.length);

      const purged = await admin.post('/v1/audit-events/purge', { olderThanDays: 35 });
      expect(purged.status).toBe(200);
      expect(purged.body).toMatchObject({ deleted: Number(head) - Number(anchor), anchorSeq: head });
      const after = await allEvents(database);
      expect(Number(after[0].seq)).toBe(Number(head) + 1);
      expect(after.some((e) => e.action === 'tenant.created' && JSON.stringify(e).includes(kept))).toBe(true);
      expect(after[after.length - 1]).toMatchObject({
        action: 'audit.purged',
        details: expect.objectContaining({ removed: purged.body.deleted, fromSeq: String(Number(anchor) + 1), upToSeq: head }),
      });
      expect(after.length).toBe(before.length - purged.body.deleted + 1);
      const verified = await admin.get('/v1/audit-events/verify');
      expect(verified.body).toMatchObject({ ok: true, anchorSeq: head });

      const again = await admin.post('/v1/audit-events/purge', { olderThanDays: 35 });
      expect(again.body).toMatchObject({ deleted: 0, anchorSeq: head });
      await admin.post('/v1/tenants', makeTenant());
      expect((await admin.get('/v1/audit-events/verify')).body.ok).toBe(true);
    } finally {
      await broker.stop();
    }
  });

  it('deletes purged events without holding the chain lock: changes go on while a purge waits', async () => {
    const broker = await startBroker({ databaseUrl: database.url, env: { AUDIT_RETENTION_DAYS: '30', AUDIT_WRITE_TIMEOUT_MS: '2000' } });
    const holder = new Client({ connectionString: database.url });
    await holder.connect();
    try {
      const admin = await adminClient(broker);
      await admin.post('/v1/tenants', makeTenant());
      const { head, anchor } = await ageChain(database, 40);
      // A row lock on an aged event stalls the purge's DELETE at that row.
      await holder.query('BEGIN');
      await holder.query('SELECT seq FROM audit_events WHERE seq = $1 FOR UPDATE', [head]);
      const purge = admin.post('/v1/audit-events/purge', { olderThanDays: 35 });
      await eventually(async () => {
        const [waiting] = await database.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'DELETE FROM audit_events%'`,
        );
        expect(waiting.n).toBe(1);
      }, 15_000);
      expect((await admin.post('/v1/tenants', makeTenant())).status).toBe(201);
      await holder.query('ROLLBACK');
      const purged = await purge;
      expect(purged.body).toMatchObject({ deleted: Number(head) - Number(anchor), anchorSeq: head });
      expect((await admin.get('/v1/audit-events/verify')).body).toMatchObject({ ok: true, anchorSeq: head });
    } finally {
      await holder.end();
      await broker.stop();
    }
  });

  it('lets the database delete only events a purge has cut off, and move the anchor only forward onto an event', async () => {
    const [chain] = await database.query<{ head_seq: string; anchor_seq: string }>('SELECT head_seq, anchor_seq FROM audit_chain');
    const asPurge = async (sql: string, params: unknown[] = []) => {
      const client = new Client({ connectionString: database.url });
      await client.connect();
      try {
        await client.query('BEGIN');
        await client.query(`SET LOCAL audit.purge = 'on'`);
        await client.query(sql, params);
      } finally {
        await client.query('ROLLBACK').catch(() => undefined);
        await client.end();
      }
    };
    await expect(asPurge('DELETE FROM audit_events WHERE seq = $1', [chain.head_seq])).rejects.toThrow(/append-only/);
    await expect(asPurge('DELETE FROM audit_events')).rejects.toThrow(/append-only/);
    await expect(asPurge(`UPDATE audit_chain SET anchor_seq = anchor_seq - 1, anchor_hash = repeat('2', 64)`)).rejects.toThrow(/only forward/);
    await expect(asPurge('UPDATE audit_chain SET anchor_seq = head_seq + 1')).rejects.toThrow(/not past the head/);
    await expect(asPurge(`UPDATE audit_chain SET anchor_seq = anchor_seq + 1, anchor_hash = repeat('2', 64)`)).rejects.toThrow(/hash of the event/);
    expect(await database.query('SELECT head_seq, anchor_seq FROM audit_chain')).toEqual([chain]);
  });
});

describe('audit log on the MyInvois token path', () => {
  let world: World;

  beforeAll(async () => {
    world = await startWorld({ brokerEnv: { AUDIT_WRITE_TIMEOUT_MS: '500' } });
  });

  afterAll(async () => {
    await world?.stop();
  });

  it('refuses a first exposure with 503 while the chain is stuck, serves repeat ones, and records it once it recovers', async () => {
    const [admin] = world.admins;
    const { tenant } = await taxpayerTenant(world);
    const first = await admin.post(`/v1/tenants/${tenant.id}/token`, {});
    expect(first.status).toBe(200);
    const service = await createPrincipal(world.brokers[0], admin, { tenantGrants: [tenant.id] });
    const chain = await lockChain(world.database);
    try {
      const refused = await service.client.post(`/v1/tenants/${tenant.id}/token`, {});
      expect(refused.status).toBe(503);
      expect(refused.body.code).toBe('audit_unavailable');
      expect(refused.text).not.toContain(first.body.access_token);
      // The admin's exposure to this token is on record: handing it out again needs no event.
      const repeat = await admin.post(`/v1/tenants/${tenant.id}/token`, {});
      expect(repeat.body.access_token).toBe(first.body.access_token);
    } finally {
      await chain.release();
    }
    const served = await service.client.post(`/v1/tenants/${tenant.id}/token`, {});
    expect(served.body.access_token).toBe(first.body.access_token);
    const issued = (await admin.get(`/v1/audit-events?tenantId=${tenant.id}&action=token.issued`)).body.items;
    // Once for the admin, once for the service: the refused exposure was not taken as recorded.
    const callers = issued.map((e: { actor: { id: string } }) => e.actor.id);
    expect(callers).toHaveLength(2);
    expect(new Set(callers).size).toBe(2);
    expect(callers).toContain(service.id);
  });

  it('failing open, hands a token out without its event and records the exposure at the next hand-out once the log recovers', async () => {
    const [admin] = world.admins;
    const failOpen = await startBroker({
      databaseUrl: world.database.url,
      env: { MYINVOIS_SANDBOX_URL: world.simulatorProcess.url, AUDIT_WRITE_TIMEOUT_MS: '500', AUDIT_FAIL_CLOSED: 'false' },
    });
    try {
      const { tenant } = await taxpayerTenant(world);
      const service = await createPrincipal(world.brokers[0], admin, { tenantGrants: [tenant.id] });
      const client = new HttpClient(failOpen.url).withToken(await brokerToken(failOpen, service.clientId, service.clientSecret));
      const first = await admin.post(`/v1/tenants/${tenant.id}/token`, {});
      const chain = await lockChain(world.database);
      try {
        const unrecorded = await client.post(`/v1/tenants/${tenant.id}/token`, {});
        expect(unrecorded.status).toBe(200);
        expect(unrecorded.body.access_token).toBe(first.body.access_token);
        await failOpen.waitForLog(/audit event lost/);
      } finally {
        await chain.release();
      }
      const serviceEvents = async () =>
        (await admin.get(`/v1/audit-events?tenantId=${tenant.id}&action=token.issued&actorId=${service.id}`)).body.items as unknown[];
      expect(await serviceEvents()).toHaveLength(0);
      expect((await client.post(`/v1/tenants/${tenant.id}/token`, {})).body.access_token).toBe(first.body.access_token);
      // The lost event was not taken as an exposure on record: this hand-out wrote it.
      expect(await serviceEvents()).toHaveLength(1);
      await client.post(`/v1/tenants/${tenant.id}/token`, {});
      expect(await serviceEvents()).toHaveLength(1);
    } finally {
      await failOpen.stop();
    }
  });
});
