import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import pino, { DestinationStream, Logger, LoggerOptions } from 'pino';
import { AppConfig } from '../config/app-config';

/** Field names whose values never reach a log line, at whatever depth they appear. */
export const REDACTED_KEYS = ['authorization', 'client_secret', 'clientSecret', 'secondaryClientSecret', 'access_token', 'accessToken', 'password', 'cookie'];

const SENSITIVE = new Set(REDACTED_KEYS.map((key) => key.toLowerCase()));
const MAX_DEPTH = 8;

/**
 * Replaces the values of sensitive keys at any depth of plain objects and arrays. Used as a
 * pino formatter, so it runs only for lines actually written, and reaches every depth (pino's
 * path-based `redact` needs each path spelled out and costs on every child logger).
 * Class instances (errors, requests) are left to their serializers.
 */
export function scrubSecrets<T>(value: T, depth = 0): T {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => scrubSecrets(item, depth + 1)) as T;
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    copy[key] = SENSITIVE.has(key.toLowerCase()) ? '[redacted]' : scrubSecrets(inner, depth + 1);
  }
  return copy as T;
}

export function pinoOptions(config: AppConfig): LoggerOptions {
  return {
    level: config.logLevel,
    base: { service: 'myinvois-broker' },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    formatters: {
      level: (label) => ({ level: label }),
      log: (object) => scrubSecrets(object),
      bindings: (bindings) => scrubSecrets(bindings),
    },
  };
}

/**
 * The request target as a log line may hold it: the path and the names of query parameters,
 * never their values (a token pasted into `?tin=` must not end up in the log).
 */
export function urlForLog(url: string): string {
  const at = url.indexOf('?');
  if (at < 0) return url;
  const names = url
    .slice(at + 1)
    .split('&')
    .filter((part) => part !== '')
    .map((part) => `${part.split('=')[0]}=`);
  return `${url.slice(0, at)}?${names.join('&')}`;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Honours a well-formed `X-Request-Id` from the caller, so one id follows a request across services. */
export function requestIdFor(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

let destination: ReturnType<typeof pino.destination> | undefined;

/**
 * Standard output, written asynchronously: a log line never blocks the event loop on a slow
 * pipe; lines queued while a write is under way go out together. Whatever is still queued
 * when the process exits is written synchronously then, so no line is lost at shutdown.
 */
export function logDestination(): DestinationStream {
  if (!destination) {
    const stream = pino.destination({ dest: 1, sync: false });
    destination = stream;
    process.once('exit', () => {
      try {
        stream.flushSync();
      } catch {
        // Not open yet, or already closed: nothing queued to write.
      }
    });
  }
  return destination;
}

/** Paths not logged per request: probes would drown the rest. */
const UNLOGGED_PREFIX = '/health/';

/**
 * One line per request when its answer is sent ("request completed", as pino-http wrote it),
 * from Fastify's own hook: no async context is kept for the request meanwhile.
 */
export function logRequests(fastify: FastifyInstance, logger: () => Logger): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const url = request.raw.url ?? request.url;
    if (!url.startsWith(UNLOGGED_PREFIX)) {
      const line = {
        req: { id: request.id, method: request.method, url: urlForLog(url) },
        res: { statusCode: reply.statusCode },
        responseTime: Math.round(reply.elapsedTime),
      };
      if (reply.statusCode >= 500) logger().error(line, 'request errored');
      else logger().info(line, 'request completed');
    }
    done();
  });
}
