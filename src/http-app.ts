import type { IncomingMessage } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { Logger as NestLogger } from '@nestjs/common';
import { AppModule } from './app.module';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { serveConsole } from './console/console-assets';
import { requestIdFor } from './common/logging';
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
  const fastify = app.getHttpAdapter().getInstance();
  // Bodies are JSON (and form-encoded where a route says so); a text body is a 415, not a string.
  fastify.removeContentTypeParser(['text/plain']);
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

function setUpOpenApi(app: NestFastifyApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle('myinvois-broker').setDescription('Credential vault and token broker in front of LHDN MyInvois').setVersion('1').build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/json' });
}
