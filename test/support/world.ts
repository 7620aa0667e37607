import { join } from 'node:path';
import { adminClient } from './auth';
import { makeCredential } from './credentials';
import { createTestDatabase, TestDatabase } from './database';
import { makeTenant, uniqueBrn, uniqueTin } from './factories';
import { HttpClient } from './http';
import { ServiceProcess, startBroker, startSimulator } from './processes';
import { ClientDefinition, makeIntermediary, makeTaxpayer, SimulatorClient, uniqueId } from './simulator';

/** A database, the MyInvois simulator, and brokers pointed at it. */
export interface World {
  database: TestDatabase;
  simulatorProcess: ServiceProcess;
  simulator: SimulatorClient;
  brokers: ServiceProcess[];
  /** Admin clients, one per broker. */
  admins: HttpClient[];
  stop(): Promise<void>;
}

export async function startWorld(
  options: {
    brokers?: number;
    brokerEnv?: Record<string, string>;
    simulatorEnv?: Record<string, string>;
    /** A folder for the brokers' output, one file each (broker-1.log, ...), instead of pipes read by this process. */
    brokerLogDir?: string;
  } = {},
): Promise<World> {
  const database = await createTestDatabase();
  const simulatorProcess = await startSimulator(options.simulatorEnv);
  const env = { MYINVOIS_SANDBOX_URL: simulatorProcess.url, MYINVOIS_PRODUCTION_URL: simulatorProcess.url, ...options.brokerEnv };
  const brokers: ServiceProcess[] = [];
  // One first, so that migrations are not raced by every test's brokers at once.
  const logFile = (n: number) => (options.brokerLogDir === undefined ? undefined : join(options.brokerLogDir, `broker-${n}.log`));
  brokers.push(await startBroker({ databaseUrl: database.url, env, logFile: logFile(1) }));
  brokers.push(
    ...(await Promise.all(
      Array.from({ length: (options.brokers ?? 1) - 1 }, (_, i) => startBroker({ databaseUrl: database.url, env, logFile: logFile(i + 2) })),
    )),
  );
  const admins = await Promise.all(brokers.map((broker) => adminClient(broker)));
  return {
    database,
    simulatorProcess,
    simulator: new SimulatorClient(simulatorProcess.url),
    brokers,
    admins,
    async stop() {
      await Promise.all(brokers.map((broker) => broker.stop()));
      await simulatorProcess.stop();
      await database.drop();
    },
  };
}

export interface TaxpayerSetup {
  tenant: { id: string; tin: string };
  credential: { id: string };
  client: ClientDefinition;
}

/** A simulator client, a credential for it and a tenant logging in with it. */
export async function taxpayerTenant(
  world: World,
  options: { client?: Partial<ClientDefinition>; credential?: Record<string, unknown>; tin?: string } = {},
): Promise<TaxpayerSetup> {
  const admin = world.admins[0];
  const tin = options.tin ?? uniqueTin();
  const client = await world.simulator.register(makeTaxpayer({ clientId: uniqueId('erp'), tin, ...options.client }));
  const credential = await admin.post('/v1/credentials', {
    ...makeCredential({ kind: 'taxpayer', clientId: client.clientId, clientSecret: client.secrets[0], secondaryClientSecret: client.secrets[1] }),
    ...options.credential,
  });
  if (credential.status !== 201) throw new Error(`credential: ${credential.text}`);
  const tenant = await admin.post('/v1/tenants', makeTenant({ tin }));
  const attached = await admin.patch(`/v1/tenants/${tenant.body.id}`, { credentialId: credential.body.id });
  if (attached.status !== 200) throw new Error(`attach: ${attached.text}`);
  return { tenant: { id: tenant.body.id, tin }, credential: { id: credential.body.id }, client };
}

export interface IntermediarySetup {
  credential: { id: string };
  client: ClientDefinition;
  tenants: Array<{ id: string; tin: string; brn?: string; onBehalfOf: string }>;
}

/** An intermediary client authorised for `count` taxpayers, and a tenant for each. */
export async function intermediaryTenants(
  world: World,
  count: number,
  options: { client?: Partial<ClientDefinition>; withBrn?: boolean; credential?: Record<string, unknown> } = {},
): Promise<IntermediarySetup> {
  const admin = world.admins[0];
  const people = Array.from({ length: count }, () => ({ tin: uniqueTin(), brn: options.withBrn ? uniqueBrn() : undefined }));
  const allowed = people.map((p) => (p.brn ? `${p.tin}:${p.brn}` : p.tin));
  const client = await world.simulator.register(makeIntermediary({ clientId: uniqueId('intermediary'), allowedOnBehalfOf: allowed, ...options.client }));
  const credential = await admin.post('/v1/credentials', {
    ...makeCredential({ kind: 'intermediary', clientId: client.clientId, clientSecret: client.secrets[0], secondaryClientSecret: client.secrets[1] }),
    ...options.credential,
  });
  if (credential.status !== 201) throw new Error(`credential: ${credential.text}`);
  const tenants = [];
  for (const person of people) {
    const tenant = await admin.post('/v1/tenants', makeTenant({ tin: person.tin, ...(person.brn ? { brn: person.brn } : {}) }));
    const attached = await admin.patch(`/v1/tenants/${tenant.body.id}`, {
      credentialId: credential.body.id,
      onBehalfOfFormat: person.brn ? 'tin_brn' : 'tin',
    });
    if (attached.status !== 200) throw new Error(`attach: ${attached.text}`);
    tenants.push({ id: tenant.body.id, tin: person.tin, brn: person.brn, onBehalfOf: attached.body.onBehalfOf });
  }
  return { credential: { id: credential.body.id }, client, tenants };
}

/** One more broker on the world's database and simulator, with settings of its own (stop it in the test). */
export async function extraBroker(world: World, env: Record<string, string> = {}): Promise<{ broker: ServiceProcess; admin: HttpClient }> {
  const url = world.simulatorProcess.url;
  const broker = await startBroker({ databaseUrl: world.database.url, env: { MYINVOIS_SANDBOX_URL: url, MYINVOIS_PRODUCTION_URL: url, ...env } });
  return { broker, admin: await adminClient(broker) };
}

/** A tenant's token key as the admin view shows it (state, lease holder, failures, next attempt). */
export async function tokenKeyOf(admin: HttpClient, tenantId: string): Promise<Record<string, any> | undefined> {
  return (await admin.get(`/v1/tokens?tenantId=${tenantId}`)).body.items[0];
}

/** The claims of a JWT, unverified (for assertions). */
export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}
