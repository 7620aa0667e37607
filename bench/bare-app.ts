import 'reflect-metadata';
import { Body, Controller, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import Fastify from 'fastify';

/**
 * The floors for the benchmark: one POST with a small JSON body answering the same JSON as the
 * token route, nothing else, on NestJS on Fastify (`nest`) or on Fastify alone (`fastify`).
 * Usage: bare-app.ts <port> [nest|fastify]
 */
const answer = () => ({ access_token: 'x'.repeat(900), token_type: 'Bearer', expires_in: 3599, expires_at: new Date().toISOString(), scope: 'InvoicingAPI' });

@Controller()
class BareController {
  @Post('token')
  @HttpCode(200)
  token(@Body() _body: unknown) {
    return answer();
  }
}

@Module({ controllers: [BareController] })
class BareModule {}

async function main(): Promise<void> {
  const port = Number(process.argv[2] ?? 3999);
  if (process.argv[3] === 'fastify') {
    const app = Fastify();
    app.post('/token', async () => answer());
    await app.listen({ port, host: '127.0.0.1' });
  } else {
    const app = await NestFactory.create<NestFastifyApplication>(BareModule, new FastifyAdapter(), { logger: false });
    await app.listen({ port, host: '127.0.0.1' });
  }
  process.stdout.write('ready\n');
}

void main();
