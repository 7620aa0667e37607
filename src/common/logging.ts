import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { LoggerOptions } from 'pino';
import { AppConfig } from '../config/app-config';

/** Field names whose values never reach a log line, at whatever depth they appear. */
export const REDACTED_KEYS = [
  'authorization',
  'client_secret',
  'clientSecret',
  'secondaryClientSecret',
  'access_token',
  'accessToken',
  'password',
  'cookie',
];

const REDACT_DEPTH = 5;

function redactPaths(): string[] {
  const paths: string[] = [];
  for (let depth = 0; depth < REDACT_DEPTH; depth++) {
    for (const key of REDACTED_KEYS) paths.push([...Array<string>(depth).fill('*'), key].join('.'));
  }
  return paths;
}

export function pinoOptions(config: AppConfig): LoggerOptions {
  return {
    level: config.logLevel,
    redact: { paths: redactPaths(), censor: '[redacted]' },
    base: { service: 'myinvois-broker' },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    formatters: { level: (label) => ({ level: label }) },
  };
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Honours a well-formed `X-Request-Id` from the caller, so one id follows a request across services. */
export function requestIdFor(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}
