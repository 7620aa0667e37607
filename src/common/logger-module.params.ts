import { RequestMethod } from '@nestjs/common';
import type { Params } from 'nestjs-pino';
import { AppConfig } from '../config/app-config';
import { logDestination, pinoOptions } from './logging';

/**
 * The application logger: pino, writing without blocking (see `logDestination`). nestjs-pino's
 * request middleware is not mounted: it ran every request inside an AsyncLocalStorage context,
 * a cost on every promise of the hot path. Requests are logged by `logRequests` instead, and
 * the lines that concern a request name it (`requestId`).
 */
export function loggerModuleParams(config: AppConfig): Params {
  return {
    // A path no route has: the module still builds its root logger, but mounts no middleware anywhere.
    forRoutes: [{ path: '/_no-request-logging-middleware', method: RequestMethod.HEAD }],
    pinoHttp: [pinoOptions(config), logDestination()],
  };
}
