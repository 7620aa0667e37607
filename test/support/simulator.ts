import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { HttpClient, HttpResult } from './http';
import { TEST_NODE_FLAGS } from './processes';

const ROOT = resolve(__dirname, '..', '..');

export function uniqueId(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export interface ClientDefinition {
  clientId: string;
  secrets: string[];
  kind: 'taxpayer' | 'intermediary';
  tin: string;
  brn?: string;
  allowedOnBehalfOf?: string[];
  blocked?: boolean;
  rateLimitPerMinute?: number;
  tokenTtlSeconds?: number;
  tokenShape?: '2024' | '2025';
}

export function makeTaxpayer(overrides: Partial<ClientDefinition> = {}): ClientDefinition {
  const clientId = overrides.clientId ?? uniqueId('erp');
  return { clientId, secrets: [`${clientId}-secret-1`, `${clientId}-secret-2`], kind: 'taxpayer', tin: 'C1234567890', ...overrides };
}

export function makeIntermediary(overrides: Partial<ClientDefinition> = {}): ClientDefinition {
  const clientId = overrides.clientId ?? uniqueId('intermediary');
  return {
    clientId,
    secrets: [`${clientId}-secret-1`, `${clientId}-secret-2`],
    kind: 'intermediary',
    tin: 'C9876543210',
    brn: '201901234567',
    allowedOnBehalfOf: ['C25845632020', 'IG12345678912:201901234567'],
    ...overrides,
  };
}

/** The form a correct client sends; override or drop (undefined) fields to make a bad one. */
export function loginForm(client: ClientDefinition, overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return { grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.secrets[0], scope: 'InvoicingAPI', ...overrides };
}

export interface TokenCallOptions {
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** The simulator's HTTP surface: the control API as JSON, and the token endpoint as a form post. */
export class SimulatorClient extends HttpClient {
  async token(form: Record<string, string | undefined>, options: TokenCallOptions = {}): Promise<HttpResult> {
    const fields = Object.entries(form).filter((entry): entry is [string, string] => entry[1] !== undefined);
    return this.send('/connect/token', new URLSearchParams(fields).toString(), {
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...options.headers },
      signal: options.signal,
    });
  }

  /** A token request with any body and headers, for the malformed ones. */
  async rawToken(body: string | undefined, headers: Record<string, string>): Promise<HttpResult> {
    return this.send('/connect/token', body, { headers });
  }

  async register(client: ClientDefinition): Promise<ClientDefinition> {
    const result = await this.post('/_sim/clients', client);
    if (result.status !== 201 && result.status !== 200) throw new Error(`registering ${client.clientId} failed: ${result.status} ${result.text}`);
    return client;
  }

  async counters(clientId?: string) {
    const result = await this.get(clientId === undefined ? '/_sim/counters' : `/_sim/clients/${encodeURIComponent(clientId)}/counters`);
    if (result.status !== 200) throw new Error(`counters failed: ${result.status} ${result.text}`);
    return result.body;
  }

  private async send(path: string, body: string | undefined, init: { headers: Record<string, string>; signal?: AbortSignal }): Promise<HttpResult> {
    const response = await fetch(`${this.baseUrl}${path}`, { method: 'POST', headers: init.headers, body, signal: init.signal });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON; keep the text
    }
    return { status: response.status, headers: response.headers, body: parsed, text };
  }
}

/** Runs the built simulator expecting it to stop by itself (a refused configuration). */
export async function runSimulatorUntilExit(env: Record<string, string>, timeoutMs = 15_000): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [...TEST_NODE_FLAGS, join(ROOT, 'dist', 'src', 'simulator', 'main.js')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', SIMULATOR_HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  return new Promise((resolveExit, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the simulator did not exit within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolveExit({ code, output });
    });
  });
}

/** Polls until the check passes (it throws until then), for state that settles just after a response. */
export async function eventually(check: () => Promise<void>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolveWait) => setTimeout(resolveWait, 25));
    }
  }
}
