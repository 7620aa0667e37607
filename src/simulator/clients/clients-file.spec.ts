import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClientsFileError, readClientsFile } from './clients-file';

const directory = mkdtempSync(join(tmpdir(), 'simulator-clients-'));
let files = 0;

function fileWith(content: unknown): string {
  const path = join(directory, `clients-${files++}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

function problemsOf(path: string): string[] {
  try {
    readClientsFile(path);
  } catch (error) {
    if (error instanceof ClientsFileError) return error.problems;
    throw error;
  }
  throw new Error('expected the file to be refused');
}

const taxpayer = { clientId: 'erp-1', secrets: ['s1', 's2'], kind: 'taxpayer', tin: 'C1234567890' };

describe('readClientsFile', () => {
  it('reads the sample file the README starts the simulator with', () => {
    const clients = readClientsFile(join(__dirname, '..', '..', '..', 'examples', 'simulator-clients.json'));
    expect(clients.map((client) => [client.kind, client.clientId])).toEqual([
      ['taxpayer', '8f0e1c52-0000-4000-8000-000000000001'],
      ['intermediary', '8f0e1c52-0000-4000-8000-000000000002'],
    ]);
  });

  it('reads client definitions and normalises TINs like the API does', () => {
    const clients = readClientsFile(
      fileWith([taxpayer, { clientId: 'int-1', secrets: ['x'], kind: 'intermediary', tin: 'c 0012345670', allowedOnBehalfOf: ['ig123:2019-0123-4567'] }]),
    );
    expect(clients.map((client) => client.clientId)).toEqual(['erp-1', 'int-1']);
    expect(clients[1].tin).toBe('C12345670');
    expect(clients[1].allowedOnBehalfOf).toEqual(['IG123:201901234567']);
  });

  it('lists every problem, naming the entry and the field', () => {
    const problems = problemsOf(
      fileWith([
        { ...taxpayer, secrets: [] },
        { ...taxpayer, clientId: 'erp-2', tin: 'X1', colour: 'blue' },
        { ...taxpayer, clientId: 'erp-3', allowedOnBehalfOf: ['C1234567890'] },
        'not an object',
      ]),
    );
    expect(problems).toEqual([
      '[0].secrets holds one or two secrets',
      expect.stringMatching(/^\[1\]\.colour is not a known field$/),
      expect.stringMatching(/^\[1\]\.tin must be IG/),
      '[2].allowedOnBehalfOf applies to intermediary clients only',
      '[3] must be an object',
    ]);
  });

  it('refuses a client ID given twice', () => {
    expect(problemsOf(fileWith([taxpayer, taxpayer]))).toEqual(['[1].clientId erp-1 appears more than once']);
  });

  it('refuses a placeholder client ID or secret', () => {
    const problems = problemsOf(
      fileWith([
        { ...taxpayer, clientId: 'YOUR_CLIENT_ID' },
        { ...taxpayer, clientId: 'erp-9', secrets: ['0'] },
      ]),
    );
    expect(problems).toEqual([
      expect.stringMatching(/^\[0\]\.clientId must not be a placeholder/),
      expect.stringMatching(/^\[1\]\.secrets must not be placeholders/),
    ]);
  });

  it('says when the file is missing, is not JSON, or is not an array', () => {
    expect(problemsOf(join(directory, 'missing.json'))[0]).toMatch(/cannot be read/);
    expect(problemsOf(fileWith('[{'))[0]).toMatch(/not valid JSON/);
    expect(problemsOf(fileWith({ clients: [] }))).toEqual(['it must hold a JSON array of client definitions']);
  });
});
