import { HttpClient } from './support/http';
import { eventually } from './support/simulator';
import { startWorld, taxpayerTenant, World } from './support/world';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Short back-offs, so that an outage and its end fit in a few seconds. */
const BACKOFF = { LOGIN_BACKOFF_BASE_MS: '200', LOGIN_BACKOFF_MAX_MS: '1000' };

describe('MyInvois answers as they really come', () => {
  let world: World;
  let admin: HttpClient;

  beforeAll(async () => {
    world = await startWorld({ brokers: 2, brokerEnv: { ...BACKOFF, MYINVOIS_TIMEOUT_MS: '2000' } });
    admin = world.admins[0];
  });

  afterAll(async () => {
    await world?.stop();
  });

  describe('a maintenance page never bricks a credential', () => {
    it.each([
      ['an HTML page', { kind: 'non_json', status: 403 }],
      ['an empty body', { kind: 'empty', status: 403 }],
      ['a gateway JSON body', { kind: 'gateway', status: 403 }],
    ])('answers 503 with Retry-After while MyInvois answers 403 with %s, then serves tokens again with no operator action', async (_case, fault) => {
      const { tenant, client, credential } = await taxpayerTenant(world);
      expect((await world.simulator.put(`/_sim/clients/${client.clientId}/faults`, fault)).status).toBe(200);

      // For a while: every replica, several requests, and the credential is never condemned.
      const started = Date.now();
      const answers = [];
      while (Date.now() - started < 2500) {
        answers.push(await world.admins[answers.length % 2].post(`/v1/tenants/${tenant.id}/token`, {}));
        await sleep(100);
      }
      expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 503));
      expect(answers.every((answer) => answer.body.code === 'upstream_unavailable' && Number(answer.headers.get('retry-after')) >= 1)).toBe(true);
      const during = (await admin.get(`/v1/credentials/${credential.id}`)).body;
      expect(during.status).not.toBe('invalid');
      expect(during).toMatchObject({ status: 'unverified', degraded: true, lastError: { classification: 'transient', status: 403 } });
      // Backing off, not a login per request.
      expect((await world.simulator.counters(client.clientId)).requests).toBeLessThan(answers.length);

      await world.simulator.delete(`/_sim/faults`);
      await eventually(async () => {
        expect((await world.admins[1].post(`/v1/tenants/${tenant.id}/token`, {})).status).toBe(200);
      }, 5000);
      const after = (await admin.get(`/v1/credentials/${credential.id}`)).body;
      expect(after).toMatchObject({ status: 'valid', degraded: false, degradedSince: null });

      // One episode, its start and its end.
      const events = (await admin.get(`/v1/audit-events?action=credential.*&limit=200`)).body.items.filter(
        (event: { target: { id: string } }) => event.target?.id === credential.id,
      );
      const degraded = events.filter((event: { action: string }) => event.action === 'credential.degraded');
      const restored = events.filter((event: { action: string }) => event.action === 'credential.restored');
      expect(degraded).toHaveLength(1);
      expect(restored).toHaveLength(1);
      expect(restored[0].details).toMatchObject({ degradedSince: degraded[0].details.degradedSince, durationSeconds: expect.any(Number) });
      expect(events.some((event: { action: string }) => event.action === 'credential.invalidated')).toBe(false);
    });
  });
});
