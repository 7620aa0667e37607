import 'reflect-metadata';
import { Body, Controller, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';

/** The floor for the benchmark: NestJS on Fastify answering one POST with a small JSON body, nothing else. */
@Controller()
class BareController {
  @Post('token')
  @HttpCode(200)
  token(@Body() _body: unknown) {
    return { access_token: 'x'.repeat(900), token_type: 'Bearer', expires_in: 3599, expires_at: new Date().toISOString(), scope: 'InvoicingAPI' };
  }
}

@Module({ controllers: [BareController] })
class BareModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(BareModule, new FastifyAdapter(), { logger: false });
  await app.listen({ port: Number(process.argv[2] ?? 3999), host: '127.0.0.1' });
  process.stdout.write('ready\n');
}

void main();
