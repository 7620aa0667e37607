import type { IncomingMessage } from 'node:http';
import { RequestMethod } from '@nestjs/common';
import type { Params } from 'nestjs-pino';
import type { LoggerOptions } from 'pino';
import { REDACTED_KEYS, requestIdFor } from '../common/logging';
import { SimulatorConfig } from '../config/simulator-config';

/** The broker's redaction list plus the control API's own secret-bearing fields. */
const SIMULATOR_REDACTED_KEYS = [...REDACTED_KEYS, 'secrets'];
const REDACT_DEPTH = 5;

function redactPaths(): string[] {
  const paths: string[] = [];
  for (let depth = 0; depth < REDACT_DEPTH; depth++) {
    for (const key of SIMULATOR_REDACTED_KEYS) paths.push([...Array<string>(depth).fill('*'), key].join('.'));
  }
  return paths;
}

/** The same JSON log lines as the broker (common/logging.ts), under the simulator's own name. */
export function simulatorPinoOptions(config: SimulatorConfig): LoggerOptions {
  return {
    level: config.logLevel,
    redact: { paths: redactPaths(), censor: '[redacted]' },
    base: { service: 'myinvois-simulator' },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    formatters: { level: (label) => ({ level: label }) },
  };
}

export function simulatorLoggerParams(config: SimulatorConfig): Params {
  return {
    // nestjs-pino's default route pattern, `{/*splat}`, matches nothing under Nest 12 on Fastify.
    forRoutes: [{ path: '{*splat}', method: RequestMethod.ALL }],
    pinoHttp: {
      ...simulatorPinoOptions(config),
      genReqId: (request) => request.id ?? requestIdFor(request),
      autoLogging: {
        ignore: (request) => pathOf(request) === '/_sim/health',
      },
      serializers: {
        // Path only: a careless caller may put client_secret in the query string, and it must not reach the log.
        req: (request: { id: string; method: string; url: string }) => ({ id: request.id, method: request.method, url: request.url.split('?')[0] }),
        res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
      },
    },
  };
}

function pathOf(request: IncomingMessage): string {
  return ((request as IncomingMessage & { originalUrl?: string }).originalUrl ?? request.url ?? '').split('?')[0];
}
