import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fastifyHelmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** Where `npm run build` puts the console's static files (dist/console, beside dist/src). */
export const CONSOLE_DIRECTORY = resolve(__dirname, '..', '..', 'console');

/** Without the trailing slash, so that @fastify/static also answers /console (with a redirect to /console/). */
export const CONSOLE_PREFIX = '/console';

/**
 * The console's page may run only its own script and style, talk only to this origin, and never
 * be framed: it holds an admin's broker token in memory, so an injected script or a clickjacking
 * frame would act as that admin.
 */
export const CONSOLE_CONTENT_SECURITY_POLICY = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'"],
    fontSrc: ["'self'"],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
};

/**
 * Serves the built console under /console with helmet's headers and the strict policy above.
 * Registered in a scope of its own, so the API and /docs (whose Swagger UI needs other
 * allowances) answer exactly as before. Returns false when the console has not been built.
 */
export function serveConsole(fastify: FastifyInstance, directory = CONSOLE_DIRECTORY): boolean {
  if (!existsSync(join(directory, 'index.html'))) return false;
  fastify.register(async (scope) => {
    await scope.register(fastifyHelmet, { contentSecurityPolicy: CONSOLE_CONTENT_SECURITY_POLICY, frameguard: { action: 'deny' } });
    await scope.register(fastifyStatic, {
      root: directory,
      prefix: CONSOLE_PREFIX,
      // /console answers with a redirect to /console/, whose relative asset URLs then resolve.
      redirect: true,
      // Another @fastify/static (Swagger UI's) already decorates the reply in the root scope.
      decorateReply: false,
      // Revalidated on every load (ETag), so a new release is picked up at once.
      cacheControl: true,
      maxAge: 0,
    });
  });
  return true;
}
