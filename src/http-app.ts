import type { IncomingMessage } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger, PinoLogger } from 'nestjs-pino';
import { Logger as NestLogger } from '@nestjs/common';
import { AppModule } from './app.module';
import { BEARER_SCHEME, OAUTH2_SCHEME } from './common/route-metadata';
import { TOKEN_PATH } from './auth/token-endpoint/authorization-server-metadata';
import { ErrorResponseDto } from './common/error-response.dto';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { enforceRequestBodies } from './common/request-bodies';
import { useStrictBodyParsers } from './common/body-parsers';
import { answerClientError } from './common/client-errors';
import { serveConsole } from './console/console-assets';
import { logRequests, requestIdFor } from './common/logging';
import { createValidationPipe } from './common/validation';
import { AppConfig } from './config/app-config';
import { ShutdownState } from './health/shutdown-state';

/** Builds the Nest application on Fastify with everything main.ts and the tests rely on. */
export async function createHttpApp(config: AppConfig, databaseUrl: string): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.http.bodyLimitBytes,
    trustProxy: config.http.trustProxy,
    // The id is kept on the raw request too, where pino-http looks for it.
    genReqId: (request: IncomingMessage) => {
      const id = requestIdFor(request);
      request.id = id;
      return id;
    },
    // Idle keep-alive sockets are closed on shutdown; busy ones finish their request first.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    clientErrorHandler: answerClientError,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, databaseUrl), adapter, {
    bufferLogs: true,
    // Nest would exit the process on a failed module (a migration, say); main.ts has to stop
    // the embedded database first.
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  app.useGlobalFilters(new HttpExceptionFilter());
  app.useGlobalPipes(createValidationPipe());
  useStrictBodyParsers(app, config.http.bodyLimitBytes);
  const fastify = app.getHttpAdapter().getInstance();
  // Bodies are JSON (and form-encoded where a route says so); a text body is a 415, not a string.
  fastify.removeContentTypeParser(['text/plain']);
  enforceRequestBodies(fastify);
  logRequests(fastify, () => PinoLogger.root);
  const shutdown = app.get(ShutdownState);
  fastify.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
    // A request still in flight at SIGTERM ends its keep-alive connection with its answer:
    // only idle sockets are closed when the server closes, and a kept-alive one would hold the
    // stopping process open until SHUTDOWN_GRACE_MS.
    if (shutdown.shuttingDown) void reply.header('connection', 'close');
  });
  if (config.http.consoleEnabled && !serveConsole(fastify)) {
    new NestLogger('Console').warn('the operator console is not built (npm run build builds it), so /console is not served');
  }
  setUpOpenApi(app);
  return app;
}

const API_DESCRIPTION = `Credential vault and token broker in front of LHDN MyInvois: internal services ask it for a tenant's MyInvois
access token and never hold a client secret.

Callers log in with the OAuth 2.0 client-credentials grant at \`POST /v1/auth/token\` and send the token as
\`Authorization: Bearer\` (the \`bearer\` and \`oauth2\` schemes are the same token). Every error outside the token
endpoint has the \`Error\` schema, with a stable \`code\`; each operation lists its codes per status. 429 and 503
answers say in \`Retry-After\` when to try again.`;

/** The document is built once, from the decorators on controllers and DTOs; nothing is written by hand. */
function setUpOpenApi(app: NestFastifyApplication): void {
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('myinvois-broker')
    .setDescription(API_DESCRIPTION)
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A token from POST /v1/auth/token' }, BEARER_SCHEME)
    .addOAuth2(
      {
        type: 'oauth2',
        description: 'The client-credentials grant of POST /v1/auth/token',
        flows: { clientCredentials: { tokenUrl: TOKEN_PATH, scopes: {} } },
      },
      OAUTH2_SCHEME,
    )
    .build();
  const document = SwaggerModule.createDocument(app, config, { extraModels: [ErrorResponseDto] });
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/json' });
}
