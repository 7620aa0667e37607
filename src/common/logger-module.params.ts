import type { IncomingMessage } from 'node:http';
import { RequestMethod } from '@nestjs/common';
import type { Params } from 'nestjs-pino';
import { AppConfig } from '../config/app-config';
import { pinoOptions, requestIdFor, urlForLog } from './logging';

export function loggerModuleParams(config: AppConfig): Params {
  return {
    // nestjs-pino's default route pattern, `{/*splat}`, matches nothing under Nest 12 on Fastify.
    forRoutes: [{ path: '{*splat}', method: RequestMethod.ALL }],
    pinoHttp: {
      ...pinoOptions(config),
      // Fastify assigned the id already (see main.ts); pino-http reuses it.
      genReqId: (request) => request.id ?? requestIdFor(request),
      autoLogging: {
        ignore: (request) => ((request as IncomingMessage & { originalUrl?: string }).originalUrl ?? request.url ?? '').startsWith('/health/'),
      },
      serializers: {
        req: (request: { id: string; method: string; url: string }) => ({ id: request.id, method: request.method, url: urlForLog(request.url) }),
        res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
      },
    },
  };
}
