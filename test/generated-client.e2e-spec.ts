import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { runServiceFlow } from './generated-client/service-flow';
import { createPrincipal } from './support/auth';
import { makeTenant } from './support/factories';
import { claimsOf, startWorld, taxpayerTenant, World } from './support/world';

const ROOT = resolve(__dirname, '..');
const GENERATED = join(__dirname, 'generated-client', 'generated', 'broker-api.d.ts');
const run = promisify(execFile);

/** Runs a tool of the project's own (from node_modules); rejects with its output when it fails. */
async function tool(script: string, args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(ROOT, 'node_modules', script), ...args], { cwd: ROOT });
    return stdout + stderr;
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${script} failed:\n${failed.stdout ?? ''}${failed.stderr ?? failed.message}`);
  }
}

describe('a client generated from the OpenAPI document', () => {
  let world: World;

  beforeAll(async () => {
    world = await startWorld({ brokerEnv: { TOKEN_INVALIDATE_COOLDOWN_SECONDS: '1' } });
  });

  afterAll(async () => {
    await world?.stop();
  });

  it("runs the README's service flow: log in, get a tenant's token, invalidate it, get the next one", async () => {
    const broker = world.brokers[0];
    rmSync(GENERATED, { force: true });
    await tool('openapi-typescript/bin/cli.js', [`${broker.url}/docs/json`, '--output', GENERATED]);
    // The flow compiles against the generated types: the document types every field it uses. (At run
    // time the types are erased, so the flow module loads whether or not they exist.)
    await tool('typescript/bin/tsc', ['-p', join(__dirname, 'generated-client', 'tsconfig.json')]);

    const { tenant } = await taxpayerTenant(world);
    const other = (await world.admins[0].post('/v1/tenants', makeTenant())).body;
    const service = await createPrincipal(broker, world.admins[0], { name: 'generated client', tenantGrants: [tenant.id] });
    const result = await runServiceFlow(broker.url, service, tenant.id, other.id, () => new Promise((resolveWait) => setTimeout(resolveWait, 1100)));

    expect(claimsOf(result.firstToken)).toMatchObject({ TaxpayerTIN: tenant.tin });
    expect(new Date(result.expiresAt).getTime()).toBeGreaterThan(Date.now() + 300_000);
    expect(result.invalidation).toBe('invalidated');
    expect(result.secondToken).not.toBe(result.firstToken);
    expect(result.refusedCode).toBe('tenant_not_found');
  });
});
