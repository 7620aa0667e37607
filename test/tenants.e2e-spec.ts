import { adminClient } from './support/auth';
import { makeCredential } from './support/credentials';
import { createTestDatabase, TestDatabase } from './support/database';
import { makeTenant, uniqueBrn, uniqueTin } from './support/factories';
import { HttpClient } from './support/http';
import { ServiceProcess, startBroker } from './support/processes';

describe('tenants API', () => {
  let database: TestDatabase;
  let broker: ServiceProcess;
  let api: HttpClient;

  beforeAll(async () => {
    database = await createTestDatabase();
    broker = await startBroker({ databaseUrl: database.url });
    api = await adminClient(broker);
  });

  afterAll(async () => {
    await broker?.stop();
    await database?.drop();
  });

  describe('POST /v1/tenants', () => {
    it('creates a tenant with a normalised TIN and BRN', async () => {
      const tin = uniqueTin();
      const response = await api.post('/v1/tenants', {
        name: '  Syarikat Contoh Sdn Bhd ',
        tin: `  ${tin.toLowerCase().slice(0, 4)} ${tin.slice(4)} `,
        brn: '2019-0123 4567',
        environment: 'sandbox',
      });
      expect(response.status).toBe(201);
      expect(response.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        name: 'Syarikat Contoh Sdn Bhd',
        tin,
        brn: '201901234567',
        environment: 'sandbox',
        status: 'active',
        credentialId: null,
        onBehalfOfFormat: 'tin',
        onBehalfOf: null,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
    });

    it('refuses a duplicate TIN in one environment with 409 naming the existing tenant', async () => {
      const input = makeTenant();
      const first = await api.post('/v1/tenants', input);
      const second = await api.post('/v1/tenants', { ...input, name: 'Another name', tin: ` ${input.tin.toLowerCase()}` });
      expect(second.status).toBe(409);
      expect(second.body.code).toBe('tenant_tin_taken');
      expect(second.body.existingTenantId).toBe(first.body.id);
      expect(second.body.message).toContain(first.body.id);
    });

    it('allows the same TIN in the other environment', async () => {
      const input = makeTenant({ environment: 'sandbox' });
      expect((await api.post('/v1/tenants', input)).status).toBe(201);
      expect((await api.post('/v1/tenants', { ...input, environment: 'production' })).status).toBe(201);
    });

    it('lets concurrent creations of one TIN produce exactly one tenant', async () => {
      const input = makeTenant();
      const results = await Promise.all(Array.from({ length: 8 }, () => api.post('/v1/tenants', input)));
      expect(results.filter((r) => r.status === 201)).toHaveLength(1);
      expect(results.filter((r) => r.status === 409)).toHaveLength(7);
    });

    it.each([
      ['a placeholder TIN', { tin: 'EI00000000010' }, 'tin', /placeholder/],
      ['a TIN with an unknown prefix', { tin: 'X1234567890' }, 'tin', /prefix/],
      ['a non-individual TIN not ending in 0', { tin: 'C1234567891' }, 'tin', /ends in 0/],
      ['a TIN that is not a string', { tin: 1234567890 }, 'tin', /string/],
      ['a BRN of 11 digits', { brn: '20190123456' }, 'brn', /12 digits/],
      ['an unknown environment', { environment: 'staging' }, 'environment', /sandbox, production/],
      ['an empty name', { name: '   ' }, 'name', /empty/],
      ['a name over 200 characters', { name: 'x'.repeat(201) }, 'name', /200/],
      ['a name with a NUL', { name: 'Acme\u0000 Sdn Bhd' }, 'name', /control characters/],
      ['a name with a newline', { name: 'Acme\nSdn Bhd' }, 'name', /control characters/],
      ['a name with a lone surrogate', { name: 'Acme \ud800 Sdn Bhd' }, 'name', /unpaired surrogates/],
      ['a name that is not a string', { name: 42 }, 'name', /string/],
      ['a missing name', { name: undefined }, 'name', /required/],
      ['an unknown field', { color: 'red' }, 'color', /not a known field/],
    ])('refuses %s with 400 naming the field', async (_case, override, field, message) => {
      const response = await api.post('/v1/tenants', { ...makeTenant(), ...override });
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('validation_failed');
      expect(response.body.errors).toEqual(expect.arrayContaining([{ field, message: expect.stringMatching(message) }]));
    });

    it('accepts an individual TIN', async () => {
      const response = await api.post('/v1/tenants', makeTenant({ tin: `IG${Date.now().toString().slice(-11)}` }));
      expect(response.status).toBe(201);
    });
  });

  describe('bodies the API cannot read', () => {
    it.each([
      ['malformed JSON', '{"name": ', 'application/json', 400, 'malformed_json'],
      ['a JSON array', '[1,2]', 'application/json', 400, 'validation_failed'],
      ['JSON null', 'null', 'application/json', 400, 'validation_failed'],
      ['a JSON string', '"tenant"', 'application/json', 400, 'validation_failed'],
      ['plain text', 'name=x', 'text/plain', 415, 'unsupported_media_type'],
    ])('answers %s with a JSON %i', async (_case, raw, contentType, status, code) => {
      const response = await api.post('/v1/tenants', undefined, { raw, contentType });
      expect(response.status).toBe(status);
      expect(response.body).toMatchObject({ statusCode: status, code, message: expect.any(String) });
    });

    it.each([
      ['a form', 'name=X&tin=C5555555550&environment=sandbox', 'application/x-www-form-urlencoded'],
      ['multipart', '--b\r\ncontent-disposition: form-data; name="name"\r\n\r\nX\r\n--b--\r\n', 'multipart/form-data; boundary=b'],
      ['XML', '<tenant><name>X</name></tenant>', 'application/xml'],
      ['text', '{"name":"X","tin":"C5555555550","environment":"sandbox"}', 'text/plain; charset=utf-8'],
    ])('refuses %s body with 415 naming the content type it reads, and creates nothing', async (_case, raw, contentType) => {
      const response = await api.post('/v1/tenants', undefined, { raw, contentType });
      expect(response.status).toBe(415);
      expect(response.body).toEqual({
        statusCode: 415,
        code: 'unsupported_media_type',
        message: expect.stringMatching(/send application\/json$/),
        acceptedContentTypes: ['application/json'],
        requestId: expect.any(String),
      });
      expect((await api.get('/v1/tenants?tin=C5555555550')).body.items).toEqual([]);
    });

    it('reads JSON whatever the case and parameters of its Content-Type', async () => {
      const response = await api.post('/v1/tenants', undefined, { raw: JSON.stringify(makeTenant()), contentType: 'Application/JSON; charset=utf-8' });
      expect(response.status).toBe(201);
    });

    it('answers a missing body with 400 naming the body', async () => {
      const response = await api.post('/v1/tenants');
      expect(response.status).toBe(400);
      expect(response.body.errors).toEqual([{ field: 'body', message: 'the request body must be a JSON object' }]);
    });

    it('answers a body over 64 KiB with 413', async () => {
      const response = await api.post('/v1/tenants', { ...makeTenant(), name: 'x'.repeat(70 * 1024) });
      expect(response.status).toBe(413);
      expect(response.body.code).toBe('body_too_large');
    });

    it('gives every error a request id, echoing a well-formed X-Request-Id', async () => {
      const response = await api.get('/v1/tenants/not-a-uuid', { headers: { 'x-request-id': 'trace-123' } });
      expect(response.status).toBe(400);
      expect(response.body.requestId).toBe('trace-123');
      expect(response.headers.get('x-request-id')).toBe('trace-123');
    });
  });

  describe('GET /v1/tenants', () => {
    const environment = 'production' as const;
    const created: string[] = [];

    beforeAll(async () => {
      for (let i = 0; i < 5; i++) {
        const response = await api.post('/v1/tenants', makeTenant({ environment, name: `Paged ${i}` }));
        created.push(response.body.id);
      }
    });

    it('pages through tenants in creation order with a cursor', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = `/v1/tenants?environment=${environment}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const page = await api.get(query);
        expect(page.status).toBe(200);
        expect(page.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.body.items.map((t: { id: string }) => t.id));
        cursor = page.body.nextCursor;
        pages += 1;
      } while (cursor && pages < 50);
      const ours = seen.filter((id) => created.includes(id));
      expect(ours).toEqual(created);
      expect(new Set(seen).size).toBe(seen.length);
    });

    it('filters by normalised TIN and by status', async () => {
      const input = makeTenant();
      const tenant = (await api.post('/v1/tenants', input)).body;
      const byTin = await api.get(`/v1/tenants?tin=${encodeURIComponent(` ${input.tin.toLowerCase()}`)}`);
      expect(byTin.body.items.map((t: { id: string }) => t.id)).toEqual([tenant.id]);

      await api.patch(`/v1/tenants/${tenant.id}`, { status: 'suspended' });
      const suspended = await api.get(`/v1/tenants?status=suspended&tin=${input.tin}`);
      expect(suspended.body.items).toHaveLength(1);
      const active = await api.get(`/v1/tenants?status=active&tin=${input.tin}`);
      expect(active.body.items).toHaveLength(0);
    });

    it('finds tenants by any part of the name in any case, taking % and _ literally', async () => {
      const marker = `Zeta${Date.now().toString(36)}`;
      const contoh = (await api.post('/v1/tenants', makeTenant({ name: `Syarikat ${marker} Sdn Bhd` }))).body;
      const percent = (await api.post('/v1/tenants', makeTenant({ name: `${marker} 100% Halal_Foods` }))).body;
      const ids = async (name: string) => (await api.get(`/v1/tenants?name=${encodeURIComponent(name)}`)).body.items.map((t: { id: string }) => t.id);
      expect(await ids(marker.toUpperCase())).toEqual([contoh.id, percent.id]);
      expect(await ids(` ${marker.toLowerCase()} sdn `)).toEqual([contoh.id]);
      expect(await ids(`${marker} 100%`)).toEqual([percent.id]);
      expect(await ids(`${marker}%Sdn`)).toEqual([]);
      expect(await ids(`${marker} 100% Halal_`)).toEqual([percent.id]);
      expect(await ids(`${marker}_`)).toEqual([]);
      const empty = await api.get('/v1/tenants?name=%20');
      expect(empty.status).toBe(400);
      expect(empty.body.errors).toEqual([{ field: 'name', message: 'name must not be empty' }]);
      expect((await api.get(`/v1/tenants?name=${'x'.repeat(201)}`)).body.errors[0].field).toBe('name');
    });

    it('lists the tenants that log in with a credential', async () => {
      const credential = (await api.post('/v1/credentials', makeCredential({ kind: 'intermediary' }))).body;
      const first = (await api.post('/v1/tenants', makeTenant())).body;
      const second = (await api.post('/v1/tenants', makeTenant())).body;
      await api.post('/v1/tenants', makeTenant());
      for (const tenant of [first, second]) expect((await api.patch(`/v1/tenants/${tenant.id}`, { credentialId: credential.id })).status).toBe(200);
      const using = await api.get(`/v1/tenants?credentialId=${credential.id.toUpperCase()}`);
      expect(using.body.items.map((t: { id: string }) => t.id)).toEqual([first.id, second.id]);
      const bad = await api.get('/v1/tenants?credentialId=nope');
      expect(bad.status).toBe(400);
      expect(bad.body.errors[0]).toEqual({ field: 'credentialId', message: 'credentialId must be a UUID' });
    });

    it('uses a default page size of 50', async () => {
      const page = await api.get('/v1/tenants');
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(50);
    });

    it.each([
      ['limit=0', 'limit'],
      ['limit=201', 'limit'],
      ['limit=abc', 'limit'],
      ['cursor=garbage', 'cursor'],
      ['environment=staging', 'environment'],
      ['status=gone', 'status'],
      ['tin=EI00000000010', 'tin'],
      ['colour=red', 'colour'],
    ])('refuses ?%s with 400 naming %s', async (query, field) => {
      const response = await api.get(`/v1/tenants?${query}`);
      expect(response.status).toBe(400);
      expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    });
  });

  describe('cursors that decode but are not cursors', () => {
    const id = '5d0c8f3e-1111-4222-8333-444455556666';
    const at = '2024-05-01T10:00:00.000Z';
    const cursorOf = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');

    it.each([
      ['a number for a date', { createdAt: '1', id }],
      ['a date without a time', { createdAt: '2024-05-01', id }],
      ['a day that does not exist', { createdAt: '2024-02-30T00:00:00.000Z', id }],
      ['year 0', { createdAt: '0000-01-01T00:00:00.000Z', id }],
      ['a NUL in the date', { createdAt: `${at}\u0000`, id }],
      ['dashes for an id', { createdAt: at, id: '-'.repeat(36) }],
      ['36 hex digits for an id', { createdAt: at, id: 'a'.repeat(36) }],
      ['a number for an id', { createdAt: at, id: 7 }],
      ['an array', [at, id]],
    ])('answers a cursor with %s with 400 naming cursor on every list ordered by creation', async (_case, key) => {
      for (const path of ['/v1/tenants', '/v1/principals', '/v1/credentials']) {
        const response = await api.get(`${path}?cursor=${cursorOf(key)}`);
        expect({ path, status: response.status }).toEqual({ path, status: 400 });
        expect(response.body.errors).toEqual([{ field: 'cursor', message: expect.any(String) }]);
      }
    });

    it('still takes the cursors it hands out', async () => {
      const page = await api.get('/v1/tenants?limit=1');
      expect(page.body.nextCursor).toEqual(expect.any(String));
      expect((await api.get(`/v1/tenants?limit=1&cursor=${page.body.nextCursor}`)).status).toBe(200);
    });
  });

  describe('GET, PATCH and DELETE /v1/tenants/:id', () => {
    it('takes an id in upper case as the same tenant', async () => {
      const tenant = (await api.post('/v1/tenants', makeTenant())).body;
      const read = await api.get(`/v1/tenants/${tenant.id.toUpperCase()}`);
      expect(read.status).toBe(200);
      expect(read.body.id).toBe(tenant.id);
      const renamed = await api.patch(`/v1/tenants/${tenant.id.toUpperCase()}`, { name: 'Renamed in capitals' });
      expect(renamed.body).toMatchObject({ id: tenant.id, name: 'Renamed in capitals' });
    });

    it.each(['5d0c8f3e11114222833344445555666600000', '{5d0c8f3e-1111-4222-8333-444455556666}', '5d0c8f3e-1111-4222-8333-44445555666g', '%00'])(
      'answers the id %s with 400 naming id',
      async (id) => {
        const response = await api.get(`/v1/tenants/${id}`);
        expect(response.status).toBe(400);
        expect(response.body.errors).toEqual([{ field: 'id', message: 'id must be a UUID' }]);
      },
    );

    it('reads a tenant, and answers 404 for an unknown id and 400 for a non-uuid', async () => {
      const tenant = (await api.post('/v1/tenants', makeTenant())).body;
      expect((await api.get(`/v1/tenants/${tenant.id}`)).body).toEqual(tenant);
      const unknown = await api.get('/v1/tenants/7a1f2d9e-0000-4000-8000-000000000000');
      expect(unknown.status).toBe(404);
      expect(unknown.body.code).toBe('tenant_not_found');
      const bad = await api.get('/v1/tenants/123');
      expect(bad.status).toBe(400);
      expect(bad.body.errors).toEqual([{ field: 'id', message: 'id must be a UUID' }]);
    });

    it('updates name, BRN and status, and can remove the BRN', async () => {
      const tenant = (await api.post('/v1/tenants', makeTenant())).body;
      const brn = uniqueBrn();
      const updated = await api.patch(`/v1/tenants/${tenant.id}`, { name: 'Renamed', brn, status: 'suspended' });
      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({ name: 'Renamed', brn, status: 'suspended', tin: tenant.tin });
      expect(Date.parse(updated.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(tenant.updatedAt));
      const cleared = await api.patch(`/v1/tenants/${tenant.id}`, { brn: null });
      expect(cleared.body.brn).toBeNull();
    });

    it.each([
      [{ name: null }, 'name'],
      [{ name: 'Renamed\u0000' }, 'name'],
      [{ name: '\udfff' }, 'name'],
      [{ status: 'deleted' }, 'status'],
      [{ tin: 'C1234567890' }, 'tin'],
      [{ environment: 'production' }, 'environment'],
      [{}, 'body'],
    ])('refuses the update %j naming %s', async (changes, field) => {
      const tenant = (await api.post('/v1/tenants', makeTenant())).body;
      const response = await api.patch(`/v1/tenants/${tenant.id}`, changes);
      expect(response.status).toBe(400);
      expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    });

    it('soft-deletes: the tenant is gone from the API, its row stays, and its TIN can be registered again', async () => {
      const input = makeTenant();
      const tenant = (await api.post('/v1/tenants', input)).body;
      expect((await api.delete(`/v1/tenants/${tenant.id}`)).status).toBe(204);
      expect((await api.get(`/v1/tenants/${tenant.id}`)).status).toBe(404);
      expect((await api.patch(`/v1/tenants/${tenant.id}`, { name: 'x' })).status).toBe(404);
      expect((await api.delete(`/v1/tenants/${tenant.id}`)).status).toBe(404);
      const listed = await api.get(`/v1/tenants?tin=${input.tin}`);
      expect(listed.body.items).toHaveLength(0);

      const rows = await database.query('SELECT deleted_at FROM tenants WHERE id = $1', [tenant.id]);
      expect(rows[0].deleted_at).not.toBeNull();

      const again = await api.post('/v1/tenants', input);
      expect(again.status).toBe(201);
      expect(again.body.id).not.toBe(tenant.id);
    });
  });
});
