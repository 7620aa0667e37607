import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Agent, errors, request } from 'undici';
import { AppConfig } from '../config/app-config';
import type { Environment } from '../common/environment';
import { classify, LoginOutcome, UpstreamAnswer } from './login-outcome';

export interface LoginRequest {
  environment: Environment;
  clientId: string;
  clientSecret: string;
  /** `InvoicingAPI`, or '' to send no scope. */
  scope: string;
  /** Intermediary logins only: the represented taxpayer, `TIN` or `TIN:BRN`. */
  onBehalfOf?: string;
}

const MAX_BODY_BYTES = 64 * 1024;
const MAX_CONNECTIONS_PER_HOST = 512;

/**
 * `POST {base}/connect/token` exactly as MyInvois wants it: a form body with the client
 * credentials (never Basic auth, never JSON), `onbehalfof` for intermediaries. Keep-alive
 * connections, a connect timeout and a total timeout; every outcome is classified, none throws.
 */
@Injectable()
export class MyInvoisClient implements OnApplicationShutdown {
  private readonly agent: Agent;

  constructor(private readonly config: AppConfig) {
    this.agent = new Agent({
      connect: { timeout: config.myinvois.connectTimeoutMs },
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 120_000,
      // Every client ID logs in at the same host, so this pool is shared by all of them. It must
      // never be what limits logins: a login queued here behind other client IDs' hung requests
      // waits for nothing, and its budget slot (taken before the request is sent) runs on. The
      // budget already bounds logins per client ID; this only guards against a runaway.
      connections: MAX_CONNECTIONS_PER_HOST,
    });
  }

  /** `abort`: the caller gives up (a replica shutting down); the outcome is then a transient failure. */
  async login(input: LoginRequest, abort?: AbortSignal): Promise<LoginOutcome> {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: input.clientId, client_secret: input.clientSecret });
    if (input.scope) form.set('scope', input.scope);
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    if (input.onBehalfOf) headers.onbehalfof = input.onBehalfOf;
    const url = `${this.config.myinvois.baseUrls[input.environment]}/connect/token`;
    const asked = { scope: input.scope, onBehalfOf: Boolean(input.onBehalfOf) };
    return classify(await this.send(url, headers, form.toString(), abort), asked);
  }

  private async send(url: string, headers: Record<string, string>, body: string, abort?: AbortSignal): Promise<UpstreamAnswer> {
    const timeout = AbortSignal.timeout(this.config.myinvois.timeoutMs);
    const signal = abort ? AbortSignal.any([timeout, abort]) : timeout;
    try {
      const response = await request(url, { method: 'POST', headers, body, dispatcher: this.agent, signal });
      const text = await readLimited(response.body);
      const responseHeaders = Object.fromEntries(
        Object.entries(response.headers).map(([name, value]) => [name.toLowerCase(), Array.isArray(value) ? value[0] : value]),
      );
      return { kind: 'response', status: response.statusCode, headers: responseHeaders, body: text };
    } catch (error) {
      if (abort?.aborted) return { kind: 'abandoned' };
      return transportFailure(error, timeout.aborted, this.config.myinvois.timeoutMs);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.agent.destroy().catch(() => undefined);
  }
}

async function readLimited(body: AsyncIterable<Buffer> & { dump?: () => Promise<void> }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) break;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Errors never carry the request (it holds the secret); only what kind of failure it was. */
function transportFailure(error: unknown, timedOut: boolean, timeoutMs: number): UpstreamAnswer {
  if (timedOut || error instanceof errors.HeadersTimeoutError || error instanceof errors.BodyTimeoutError) {
    return { kind: 'timeout', description: `no complete answer within ${timeoutMs} ms` };
  }
  if (error instanceof errors.ConnectTimeoutError) return { kind: 'timeout', description: 'connecting timed out' };
  const code = (error as { code?: string })?.code;
  return { kind: 'connection', description: `connection failed${code ? ` (${code})` : ''}` };
}
