import { randomInt } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, Logger } from '@nestjs/common';
import { Fault } from '../faults/fault-plan';
import { FaultsService } from '../faults/faults.service';
import { ShutdownSignal } from '../shutdown-signal';
import { RateLimitDecision } from '../traffic/sliding-window-limiter';
import { TrafficService } from '../traffic/traffic.service';
import { OAuthError, Refusal } from './oauth-error';
import { TokenExchange } from './token-exchange';
import { clientIdOf } from './token-request';
import { TokenService } from './token.service';

/** What to send back; `undefined` from the gateway means: nothing, the connection was dropped. */
export interface TokenAnswer {
  status: number;
  headers: Record<string, string>;
  contentType: string;
  body: string;
}

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * What stands in front of the identity service: per-client-ID faults first (they do not count
 * toward the rate limit), then the sliding-window rate limit, then the OAuth rules. Every
 * request that is not itself refused with 429 uses a slot, successful or not, as at a gateway.
 */
@Injectable()
export class TokenGateway {
  private readonly logger = new Logger('TokenGateway');

  constructor(
    private readonly faults: FaultsService,
    private readonly traffic: TrafficService,
    private readonly tokens: TokenService,
    private readonly shutdown: ShutdownSignal,
  ) {}

  async handle(exchange: TokenExchange): Promise<TokenAnswer | undefined> {
    const clientId = clientIdOf(exchange.request);
    exchange.onClosed(this.traffic.begin(clientId));

    const fault = this.faults.take(clientId);
    if (fault) {
      this.traffic.record(clientId, 'faultsServed');
      const answer = await this.serve(fault, exchange);
      if (answer !== 'continue') return answer && this.failed(clientId, answer);
      // The caller gave up while the latency fault held the request: nothing to answer.
      if (exchange.closed) return undefined;
    }

    const decision = this.traffic.admit(clientId);
    if (decision && !decision.allowed) return this.failed(clientId, this.rateLimited(clientId!, decision));
    const limitHeaders = decision ? rateLimitHeaders(decision) : {};

    try {
      const issued = await this.tokens.issue(exchange.request);
      this.traffic.recordLogin(issued.clientId, issued.login);
      this.logger.debug({ clientId, secret: issued.login.secret, onBehalfOf: issued.login.onBehalfOf, jti: issued.login.jti }, 'token issued');
      // RFC 6749 §5.1: token responses must not be cached.
      return json(200, issued.response, { ...limitHeaders, 'cache-control': 'no-store', pragma: 'no-cache' });
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      this.traffic.record(clientId, 'failures');
      if (error.refusal === Refusal.PlaceholderCredentials) this.traffic.record(clientId, 'placeholderCalls');
      this.logger.debug({ clientId, error: error.error, refusal: error.refusal }, 'token request refused');
      return this.failed(clientId, json(400, error.body, limitHeaders));
    }
  }

  /** Every error answer carries a `correlationId`, as MyInvois's do; the simulator remembers which it gave whom. */
  private failed(clientId: string | undefined, answer: TokenAnswer): TokenAnswer {
    const correlationId = newCorrelationId();
    const retryAfter = answer.headers['retry-after'];
    this.traffic.recordFailedAnswer(clientId, {
      at: new Date().toISOString(),
      status: answer.status,
      correlationId,
      ...(retryAfter === undefined ? {} : { retryAfterSeconds: Number(retryAfter) }),
    });
    return { ...answer, headers: { ...answer.headers, correlationid: correlationId } };
  }

  private async serve(fault: Fault, exchange: TokenExchange): Promise<TokenAnswer | undefined | 'continue'> {
    const stated: Record<string, string> =
      'retryAfterSeconds' in fault && fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {};
    switch (fault.kind) {
      case 'status':
        return json(fault.status, { error: 'server_error' }, stated);
      case 'gateway':
        return json(fault.status, { statusCode: fault.status, message: STATUS_CODES[fault.status] ?? 'Error' }, stated);
      case 'non_json':
        return { status: fault.status, headers: stated, contentType: 'text/html; charset=utf-8', body: errorPage(fault.status) };
      case 'empty':
        return { status: fault.status, headers: stated, contentType: 'text/plain', body: '' };
      case 'oauth_error':
        return json(fault.status, { error: fault.error, error_description: fault.description }, stated);
      case 'hang':
        await this.holdUntilClosedOrShutdown(exchange);
        return undefined;
      case 'latency':
        await sleep(fault.latencyMs, undefined, { signal: this.shutdown.signal }).catch(() => {
          // Shutting down: stop waiting and answer, so that the server can close.
        });
        return 'continue';
    }
  }

  /** Never answers; the caller gives up, or shutdown drops the connection. */
  private holdUntilClosedOrShutdown(exchange: TokenExchange): Promise<void> {
    return new Promise((resolve) => {
      const drop = () => {
        exchange.abandon();
        resolve();
      };
      if (this.shutdown.signal.aborted) return drop();
      this.shutdown.signal.addEventListener('abort', drop, { once: true });
      exchange.onClosed(() => {
        this.shutdown.signal.removeEventListener('abort', drop);
        resolve();
      });
    });
  }

  private rateLimited(clientId: string, decision: RateLimitDecision): TokenAnswer {
    this.logger.debug({ clientId, limit: decision.limit, retryAfterSeconds: decision.retryAfterSeconds }, 'token request rate limited');
    return json(
      429,
      {
        error: 'rate_limited',
        error_description: `Too many token requests for this client ID: at most ${decision.limit} in any window; retry after ${decision.retryAfterSeconds} s`,
      },
      { ...rateLimitHeaders(decision), 'retry-after': String(decision.retryAfterSeconds) },
    );
  }
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): TokenAnswer {
  return { status, headers, contentType: JSON_TYPE, body: JSON.stringify(body) };
}

/**
 * The headers MyInvois documents: the limit and what remains on every answer, and only once the
 * limit is exceeded the reset (when the oldest request leaves the window), as MyInvois writes it:
 * a date-time with seven fractional digits.
 */
function rateLimitHeaders(decision: RateLimitDecision): Record<string, string> {
  return {
    'x-rate-limit-limit': String(decision.limit),
    'x-rate-limit-remaining': String(decision.remaining),
    ...(decision.allowed ? {} : { 'x-rate-limit-reset': sevenDigitFraction(decision.resetAt) }),
  };
}

/** `2020-05-04T12:23:41.6181792Z`: .NET's round-trip format, to the 100 ns. */
function sevenDigitFraction(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.(\d{3})Z$/, (_match, ms: string) => `.${ms}0000Z`);
}

/** Like MyInvois's `JHDSJ8882POY72SG-2828`: sixteen upper-case letters and digits, a dash, four digits. */
function newCorrelationId(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const head = Array.from({ length: 16 }, () => alphabet[randomInt(0, alphabet.length)]).join('');
  return `${head}-${String(randomInt(0, 10_000)).padStart(4, '0')}`;
}

/** The kind of page a load balancer sends when the service behind it fails. */
function errorPage(status: number): string {
  const title = `${status} ${STATUS_CODES[status] ?? 'Error'}`;
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
}
