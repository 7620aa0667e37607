import fc from 'fast-check';
import { createPrincipal } from '../support/auth';
import { Contract, Operation } from '../support/contract';
import { HttpClient, HttpResult } from '../support/http';
import { startWorld, taxpayerTenant, TaxpayerSetup, World } from '../support/world';

type Schema = Record<string, any>;
type Caller = 'admin' | 'service';

/**
 * Malformed requests for every operation of the served OpenAPI document, as an admin and as a
 * service principal: bodies of the wrong types, huge, deep, null, with extra fields, not JSON or
 * not JSON at all; odd path and query parameters; odd headers. Nothing may answer 5xx, and every
 * 4xx has the service's error shape (RFC 6749's on the token endpoint).
 *
 * A fixed seed and a few runs per operation here; `npm run test:fuzz` runs longer with a random
 * seed, printed so that a failure replays with FUZZ_SEED (and FUZZ_RUNS).
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 8);
const SEED = Number(process.env.FUZZ_SEED ?? (process.env.FUZZ_RUNS ? Math.floor(Math.random() * 2 ** 31) : 20261202));
const UNKNOWN_ID = '7a1f2d9e-0000-4000-8000-000000000000';
const TOKEN_PATH = '/v1/auth/token';

/** A request as the arbitraries build it, and as a failure prints it. */
interface FuzzRequest {
  path: string;
  body?: string;
  contentType?: string;
  headers: Record<string, string>;
}

/** A value of a JSON type other than the one the schema asks for, or one no schema would like. */
const wrongValue = (schema: Schema): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.constant(null),
    schema.type === 'string' ? fc.oneof(fc.integer(), fc.boolean(), fc.constant({}), fc.constant([])) : fc.string({ maxLength: 20 }),
    fc.constantFrom(-1, 0, 1e308, -1e308, 2 ** 53 + 1, 0.5, '', ' ', '\u0000', '😀'.repeat(50), 'a'.repeat(5000), '../../etc/passwd', "' OR 1=1 --"),
    fc.constantFrom('2026-02-30T25:61:00Z', 'not-a-date', UNKNOWN_ID, 'http://127.0.0.1:1/x', 'javascript:alert(1)', '__proto__'),
    fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
    // Own properties named like the prototype's, as JSON.parse makes them.
    fc.constant(JSON.parse('{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}')),
  );

/** An example value for a schema: its example, its first enum member, or a plain one of its type. */
function exampleOf(schema: Schema | undefined): unknown {
  if (!schema) return 'x';
  if (schema.example !== undefined) return schema.example;
  if (schema.enum?.length) return schema.enum[0];
  const member = schema.allOf?.[0] ?? schema.oneOf?.[0] ?? schema.anyOf?.[0];
  if (member) return exampleOf(member);
  switch (schema.type) {
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'array':
      return [exampleOf(schema.items)];
    case 'object':
      return Object.fromEntries(Object.entries<Schema>(schema.properties ?? {}).map(([name, property]) => [name, exampleOf(property)]));
    default:
      return schema.format === 'uuid' ? UNKNOWN_ID : 'x';
  }
}

const nested = (depth: number) => JSON.parse('['.repeat(depth) + ']'.repeat(depth));

/** A JSON body near the document's: its example with one field spoiled, or something else entirely. */
function jsonBody(schema: Schema | undefined): fc.Arbitrary<unknown> {
  const base = (exampleOf(schema) ?? {}) as Record<string, unknown>;
  const fields = Object.entries<Schema>(schema?.properties ?? {});
  const spoiled: fc.Arbitrary<unknown>[] = [
    fc.constant(base),
    fc.record({ extra: fc.string({ maxLength: 10 }), value: fc.jsonValue({ maxDepth: 2 }) }).map(({ extra, value }) => ({ ...base, [`x${extra}`]: value })),
    fc.jsonValue({ maxDepth: 3 }),
    fc.integer({ min: 1, max: 60 }).map(nested),
    fc.constantFrom(null, [], '', 0, true, [base]),
  ];
  if (fields.length) {
    spoiled.push(
      fc
        .tuple(fc.constantFrom(...fields), fc.oneof(fc.integer({ min: 1, max: 60 }).map(nested), fc.constant(undefined)))
        .chain(([[name, property], deep]) => wrongValue(property).map((value) => ({ ...base, [name]: deep ?? value }))),
      fc.constantFrom(...fields).map(([name]) => Object.fromEntries(Object.entries(base).filter(([key]) => key !== name))),
    );
  }
  return fc.oneof(...spoiled);
}

/** A body and its content type: JSON near the document's, JSON that is not JSON, or another type. */
function body(operation: Operation): fc.Arbitrary<{ body?: string; contentType?: string }> {
  // fetch sends no body with a GET.
  if (operation.method === 'GET') return fc.constant({});
  const schema =
    operation.definition.requestBody?.content?.['application/json']?.schema ?? operation.definition.requestBody?.content?.[operation.bodyTypes[0]]?.schema;
  const json = jsonBody(schema).map((value) => ({ body: JSON.stringify(value) ?? 'null', contentType: 'application/json' }));
  const broken = fc
    .constantFrom('{', '{"a":}', '[1,]', 'nul', '{"a":1}{"b":2}', '\u0000', '"\\ud800"', '{"a":"\\u00"}', '1e99999', '{"__proto__":{"x":1}}', '')
    .map((text) => ({ body: text, contentType: 'application/json' }));
  const otherType = fc
    .tuple(
      fc.constantFrom(
        'text/plain',
        'application/xml',
        'multipart/form-data; boundary=x',
        'application/x-www-form-urlencoded',
        'application/json; charset=latin1',
        'application/json; charset=utf-8',
        'application/merge-patch+json',
        'Application/JSON',
        ';;;',
        '*/*',
      ),
      fc.oneof(
        fc.string({ maxLength: 40 }),
        json.map((sent) => sent.body!),
      ),
    )
    .map(([contentType, text]) => ({ body: text, contentType }));
  const none = fc.constant({});
  return operation.bodyTypes.length
    ? fc.oneof({ arbitrary: json, weight: 4 }, broken, otherType, none)
    : fc.oneof({ arbitrary: none, weight: 3 }, json, otherType);
}

/** A path parameter: the fixture it names, an id nothing has, or something that is no id at all. */
const pathValue = (fixture: string): fc.Arbitrary<string> =>
  fc.oneof(
    { arbitrary: fc.constant(fixture), weight: 3 },
    fc.constant(UNKNOWN_ID),
    fc.constantFrom(
      '0',
      '-1',
      'null',
      'undefined',
      '%00',
      '%',
      '%E0%A4%A',
      '..',
      '%2e%2e',
      '%2F',
      'a'.repeat(300),
      UNKNOWN_ID.toUpperCase(),
      `${UNKNOWN_ID}0`,
      '😀',
    ),
    fc.string({ minLength: 1, maxLength: 40 }).map(encodeURIComponent),
  );

/** A query: some of the operation's parameters, each with a value of its type or not, and a stranger. */
function query(operation: Operation): fc.Arbitrary<string> {
  const parameters = ((operation.definition.parameters ?? []) as Schema[]).filter((parameter) => parameter.in === 'query');
  const pairs = parameters.map((parameter) =>
    fc.option(
      fc.oneof(
        fc.constant(String(exampleOf(parameter.schema))),
        wrongValue(parameter.schema ?? {}).map((value) => (typeof value === 'string' ? value : (JSON.stringify(value) ?? ''))),
      ),
      { nil: undefined },
    ),
  );
  const stranger = fc.option(fc.tuple(fc.constantFrom('limit', 'x', '__proto__', 'constructor', ''), fc.string({ maxLength: 20 })), { nil: undefined });
  return fc.tuple(fc.tuple(...pairs), stranger, fc.boolean()).map(([values, extra, repeat]) => {
    const search = new URLSearchParams();
    values.forEach((value, index) => {
      if (value === undefined) return;
      search.append(parameters[index].name, value);
      if (repeat) search.append(parameters[index].name, value);
    });
    if (extra) search.append(extra[0], extra[1]);
    const text = search.toString();
    return text ? `?${text}` : '';
  });
}

/** Headers a client might send by mistake or on purpose (all that fetch lets through). */
const headers: fc.Arbitrary<Record<string, string>> = fc
  .subarray([
    ['accept', 'application/xml'],
    ['accept', '*/*;q=0.1, text/html'],
    ['accept-encoding', 'br;q=2, gzip;q=-1, x-unknown'],
    ['x-request-id', 'a'.repeat(2000)],
    ['x-request-id', '"><script>'],
    ['x-forwarded-for', 'not-an-address, 999.1.1.1'],
    ['if-none-match', '*'],
    ['range', 'bytes=0-0,-1'],
    ['x-http-method-override', 'DELETE'],
    ['origin', 'null'],
    ['cookie', 'session=x; =; ;'],
    ['x-big', 'b'.repeat(8000)],
  ] as Array<[string, string]>)
  .map((entries) => Object.fromEntries(entries));

function request(operation: Operation, fixtures: (name: string) => string): fc.Arbitrary<FuzzRequest> {
  const names = [...operation.path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
  const values = fc.tuple(...names.map((name) => pathValue(fixtures(name))));
  return fc.record({ values, query: query(operation), body: body(operation), headers }).map(({ values, query, body, headers }) => ({
    path: names.reduce((path, name, index) => path.replace(`{${name}}`, values[index]), operation.path) + query,
    ...body,
    headers,
  }));
}

/** What is wrong with an answer, or undefined when it is fine. */
function problemWith(operation: Operation, result: HttpResult): string | undefined {
  if (result.status >= 500) return `answered ${result.status}`;
  if (result.status < 400) return undefined;
  if (typeof result.body !== 'object' || result.body === null) return `answered ${result.status} with a body that is not JSON`;
  if (operation.path === TOKEN_PATH) return typeof result.body.error === 'string' ? undefined : `answered ${result.status} without an OAuth error`;
  const { statusCode, code, message } = result.body;
  return statusCode === result.status && typeof code === 'string' && typeof message === 'string'
    ? undefined
    : `answered ${result.status} without the error shape`;
}

describe('fuzzing every operation of the OpenAPI document', () => {
  let world: World;
  let contract: Contract;
  let setup: TaxpayerSetup;
  let clients: Record<Caller, HttpClient>;
  let fixtureIds: Record<string, string>;
  const statuses = new Map<string, number>();
  const failures: string[] = [];
  let requests = 0;

  beforeAll(async () => {
    // The throttle would answer 429 to every login after a few failures, hiding what the token endpoint does with its input.
    world = await startWorld({ brokerEnv: { AUTH_LOGIN_SLOWDOWN_AFTER: '1000', AUTH_LOGIN_MAX_FAILURES: '1000', AUTH_LOGIN_ADDRESS_MAX_FAILURES: '100000' } });
    const admin = world.admins[0];
    setup = await taxpayerTenant(world);
    const service = await createPrincipal(world.brokers[0], admin, { tenantGrants: [setup.tenant.id] });
    const spare = await admin.post('/v1/principals', { name: 'fuzzed', role: 'service', tenantGrants: [setup.tenant.id] });
    clients = { admin, service: service.client };
    fixtureIds = { principals: spare.body.id, tenants: setup.tenant.id, credentials: setup.credential.id };
    contract = await Contract.load(world.brokers[0].url);
    console.log(`fuzz: seed ${SEED}, ${RUNS} runs per operation and caller (replay with FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS})`);
  }, 120_000);

  afterAll(async () => {
    await world?.stop();
  });

  it(
    'answers no 5xx, and every 4xx in the error shape',
    async () => {
      for (const operation of contract.operations) {
        // Deleting a fixture would leave the operations after it nothing to act on.
        const fixtures = (name: string) =>
          operation.method === 'DELETE' || name !== 'id' ? UNKNOWN_ID : (fixtureIds[operation.path.split('/')[2]] ?? UNKNOWN_ID);
        for (const caller of ['admin', 'service'] as Caller[]) {
          const details = await fc.check(
            fc.asyncProperty(request(operation, fixtures), async (sent) => {
              const client = operation.path === TOKEN_PATH ? new HttpClient(clients[caller].baseUrl) : clients[caller];
              const options = { headers: sent.headers, ...(sent.contentType ? { raw: sent.body ?? '', contentType: sent.contentType } : {}) };
              const result = await client.request(operation.method, sent.path, undefined, options);
              requests++;
              const statusClass = `${String(result.status)[0]}xx`;
              statuses.set(statusClass, (statuses.get(statusClass) ?? 0) + 1);
              const problem = problemWith(operation, result);
              if (problem) throw new Error(`${problem}: ${result.text.slice(0, 300)}`);
            }),
            { seed: SEED, numRuns: RUNS, endOnFailure: true },
          );
          if (details.failed) {
            const sent = JSON.stringify(details.counterexample?.[0]).slice(0, 600);
            failures.push(
              `${operation.key} as ${caller}: ${details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance)}\n  sent ${sent}`,
            );
          }
        }
      }
      const byClass = [...statuses].sort().map(([statusClass, count]) => `${statusClass} ${count}`);
      console.log(
        `fuzz summary: ${contract.operations.length} operations, ${requests} requests (${byClass.join(', ')}), 5xx: ${statuses.get('5xx') ?? 0}, seed ${SEED}` +
          (failures.length ? `\n${failures.join('\n')}` : ''),
      );
      expect(failures).toEqual([]);
    },
    Math.max(120_000, RUNS * 10_000),
  );
});
