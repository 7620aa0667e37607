import { lookup as dnsLookup, LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Webhook } from 'standardwebhooks';
import { Agent, fetch } from 'undici';
import { AppConfig } from '../config/app-config';
import { hostOf, isForbiddenAddress } from './webhook-url';

/** What one attempt ended in. */
export type AttemptResult = { kind: 'answered'; status: number; body: string } | { kind: 'failed'; error: string; refusedAddress: boolean };

const KEPT_BODY_BYTES = 1024;

class RefusedAddressError extends Error {
  readonly code = 'WEBHOOK_ADDRESS_REFUSED';
}

/**
 * Sends one signed webhook: Standard Webhooks headers, signed with every secret in use (the new
 * one and, during a rotation's grace period, the old one), no redirect followed, one timeout for
 * the whole attempt, and the first kilobyte of the answer kept. The address a host resolves to
 * is checked on the connection itself, so a name that changes to a loopback or link-local
 * address after it was saved is refused too.
 */
@Injectable()
export class WebhookSender implements OnApplicationShutdown {
  private readonly agent: Agent;

  constructor(private readonly config: AppConfig) {
    const allowed = config.webhooks.allowedHosts;
    const guardedLookup = (hostname: string, options: object, callback: (...args: unknown[]) => void) => {
      dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
        if (error) return callback(error);
        const refused = allowed.has(hostname.toLowerCase()) ? undefined : addresses.find((address) => isForbiddenAddress(address.address));
        if (refused) return callback(new RefusedAddressError(`${hostname} resolves to ${refused.address}, a loopback or link-local address`));
        if ((options as { all?: boolean }).all) return callback(null, addresses);
        return callback(null, addresses[0].address, addresses[0].family);
      });
    };
    this.agent = new Agent({ connect: { lookup: guardedLookup as never, timeout: config.webhooks.timeoutMs }, keepAliveTimeout: 4000 });
  }

  async send(url: string, webhookId: string, payload: string, secrets: string[]): Promise<AttemptResult> {
    const target = new URL(url);
    const host = hostOf(target);
    // A literal address is connected to without a lookup: judged here.
    if (isIP(host) !== 0 && !this.config.webhooks.allowedHosts.has(host) && isForbiddenAddress(host)) {
      return { kind: 'failed', error: `${host} is a loopback or link-local address`, refusedAddress: true };
    }
    const timestamp = new Date();
    const signature = secrets.map((secret) => new Webhook(secret).sign(webhookId, timestamp, payload)).join(' ');
    try {
      const response = await fetch(target, {
        method: 'POST',
        body: payload,
        redirect: 'manual',
        dispatcher: this.agent,
        signal: AbortSignal.timeout(this.config.webhooks.timeoutMs),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'myinvois-broker-webhooks',
          'webhook-id': webhookId,
          'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
          'webhook-signature': signature,
        },
      });
      return { kind: 'answered', status: response.status, body: await firstBytes(response.body) };
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause ?? error;
      const refusedAddress = cause instanceof RefusedAddressError;
      const message = error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${this.config.webhooks.timeoutMs} ms` : describe(cause);
      return { kind: 'failed', error: message.slice(0, 500), refusedAddress };
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.agent.close().catch(() => undefined);
  }
}

/** The first kilobyte as text; the rest is not read. */
async function firstBytes(body: ReadableStream<Uint8Array> | null): Promise<string> {
  if (!body) return '';
  const reader = body.getReader();
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    while (size < KEPT_BODY_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(Buffer.from(value));
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks)
    .subarray(0, KEPT_BODY_BYTES)
    .toString('utf8')
    .replace(/\uFFFD+$/, '')
    .replaceAll('\u0000', '');
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}
