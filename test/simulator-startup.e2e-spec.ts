import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { freePort, ServiceProcess, startSimulator } from './support/processes';
import { loginForm, makeIntermediary, makeTaxpayer, runSimulatorUntilExit, SimulatorClient } from './support/simulator';

const directory = mkdtempSync(join(tmpdir(), 'simulator-startup-'));

function clientsFile(name: string, content: unknown): string {
  const path = join(directory, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

describe('MyInvois simulator: start-up', () => {
  let simulator: ServiceProcess | undefined;

  afterEach(async () => {
    await simulator?.stop();
    simulator = undefined;
  });

  it('registers the clients of SIMULATOR_CLIENTS_FILE at start', async () => {
    const taxpayer = makeTaxpayer({ tokenTtlSeconds: 900 });
    const intermediary = makeIntermediary({ allowedOnBehalfOf: ['c 0025845632020'] });
    simulator = await startSimulator({ SIMULATOR_CLIENTS_FILE: clientsFile('clients.json', [taxpayer, intermediary]) });
    const sim = new SimulatorClient(simulator.url);

    const listed = (await sim.get('/_sim/clients')).body;
    expect(listed.map((client: { clientId: string }) => client.clientId).sort()).toEqual([taxpayer.clientId, intermediary.clientId].sort());
    // Normalised on the way in, as through the API.
    expect((await sim.get(`/_sim/clients/${intermediary.clientId}`)).body.allowedOnBehalfOf).toEqual(['C25845632020']);

    const login = await sim.token(loginForm(taxpayer));
    expect(login.status).toBe(200);
    expect(login.body.expires_in).toBe(900);
    expect((await sim.token(loginForm(intermediary), { headers: { onbehalfof: 'C25845632020' } })).status).toBe(200);
  });

  it('takes the issuer and the token lifetime from the environment', async () => {
    simulator = await startSimulator({ SIMULATOR_ISSUER: 'https://identity.myinvois.hasil.gov.my', SIMULATOR_TOKEN_TTL_SECONDS: '600' });
    const sim = new SimulatorClient(simulator.url);
    const client = await sim.register(makeTaxpayer());
    const login = await sim.token(loginForm(client));
    expect(login.body.expires_in).toBe(600);
    const { payload } = await jwtVerify(login.body.access_token, createLocalJWKSet((await sim.get('/_sim/jwks')).body), {
      issuer: 'https://identity.myinvois.hasil.gov.my',
    });
    expect(payload.exp! - payload.iat!).toBe(600);
  });

  it('refuses to start on bad environment variables, naming every one', async () => {
    const { code, output } = await runSimulatorUntilExit({
      SIMULATOR_PORT: String(await freePort()),
      SIMULATOR_RATE_LIMIT_WINDOW_SECONDS: 'soon',
      SIMULATOR_TOKEN_TTL_SECONDS: '0',
      SIMULATOR_ISSUER: 'not a url',
    });
    expect(code).toBe(1);
    expect(output).toMatch(/myinvois-simulator cannot start\. Invalid configuration:/);
    expect(output).toMatch(/SIMULATOR_RATE_LIMIT_WINDOW_SECONDS is "soon": .*integer/);
    expect(output).toMatch(/SIMULATOR_TOKEN_TTL_SECONDS is 0: .*not be less than 1/);
    expect(output).toMatch(/SIMULATOR_ISSUER is "not a url"/);
    expect(output).not.toMatch(/SIMULATOR_PORT/);
  });

  it('refuses to start on a port out of range', async () => {
    const { code, output } = await runSimulatorUntilExit({ SIMULATOR_PORT: '70000' });
    expect(code).toBe(1);
    expect(output).toMatch(/SIMULATOR_PORT is 70000/);
  });

  it('refuses to start on a bad clients file, saying what is wrong where', async () => {
    const path = clientsFile('bad-clients.json', [
      makeTaxpayer({ clientId: 'erp-ok' }),
      { ...makeTaxpayer(), tin: 'X1' },
      makeTaxpayer({ clientId: 'erp-ok' }),
    ]);
    const { code, output } = await runSimulatorUntilExit({ SIMULATOR_PORT: String(await freePort()), SIMULATOR_CLIENTS_FILE: path });
    expect(code).toBe(1);
    expect(output).toContain(`myinvois-simulator cannot start. SIMULATOR_CLIENTS_FILE: The clients file ${path} cannot be used:`);
    expect(output).toMatch(/\[1\]\.tin must be IG/);
    expect(output).toMatch(/\[2\]\.clientId erp-ok appears more than once/);
  });

  it('refuses to start on a clients file that is missing or not JSON', async () => {
    const missing = await runSimulatorUntilExit({ SIMULATOR_PORT: String(await freePort()), SIMULATOR_CLIENTS_FILE: join(directory, 'nope.json') });
    expect(missing.code).toBe(1);
    expect(missing.output).toMatch(/cannot be read/);

    const garbled = await runSimulatorUntilExit({
      SIMULATOR_PORT: String(await freePort()),
      SIMULATOR_CLIENTS_FILE: clientsFile('garbled.json', '[{"clientId":'),
    });
    expect(garbled.code).toBe(1);
    expect(garbled.output).toMatch(/not valid JSON/);
  });
});
