import type { IncomingMessage } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { requestIdFor } from '../common/logging';
import { createValidationPipe } from '../common/validation';
import { SimulatorConfig } from '../config/simulator-config';
import { ClientsService } from './clients/clients.service';
import { RegisterClientDto } from './clients/dto/register-client.dto';
import { SimulatorExceptionFilter } from './simulator-exception.filter';
import { SimulatorModule } from './simulator.module';

/** Builds the simulator on Fastify, with the given clients already registered. */
export async function createSimulatorApp(config: SimulatorConfig, clients: RegisterClientDto[] = []): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    genReqId: (request: IncomingMessage) => {
      const id = requestIdFor(request);
      request.id = id;
      return id;
    },
    // Idle keep-alive sockets are closed on shutdown; hung token requests are dropped by ShutdownSignal.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  });
  const app = await NestFactory.create<NestFastifyApplication>(SimulatorModule.forRoot(config), adapter, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.useGlobalFilters(new SimulatorExceptionFilter());
  app.useGlobalPipes(createValidationPipe());
  const fastify = app.getHttpAdapter().getInstance();
  // Any other content type reaches /connect/token as text, so that it is refused the OAuth way
  // (400 invalid_request) rather than with Fastify's own 415. Form and JSON keep their parsers.
  fastify.removeContentTypeParser(['text/plain']);
  fastify.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  fastify.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  const registry = app.get(ClientsService);
  for (const client of clients) registry.register(client);
  return app;
}
