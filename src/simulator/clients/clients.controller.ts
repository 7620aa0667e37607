import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ClientsService } from './clients.service';
import { ClientDto } from './dto/client.dto';
import { RegisterClientDto } from './dto/register-client.dto';
import { UpdateClientDto } from './dto/update-client.dto';

@Controller('_sim/clients')
export class ClientsController {
  constructor(private readonly clients: ClientsService) {}

  /** 201 for a new client, 200 when it replaced one with the same ID. */
  @Post()
  register(@Body() body: RegisterClientDto, @Res() reply: FastifyReply): void {
    const { client, replaced } = this.clients.register(body);
    // Sent by hand: with a passthrough reply Nest would put back the route's default 201.
    void reply.status(replaced ? 200 : 201).send(client);
  }

  @Get()
  list(): ClientDto[] {
    return this.clients.list();
  }

  @Get(':clientId')
  get(@Param('clientId') clientId: string): ClientDto {
    return this.clients.get(clientId);
  }

  @Patch(':clientId')
  update(@Param('clientId') clientId: string, @Body() body: UpdateClientDto): ClientDto {
    return this.clients.update(clientId, body);
  }

  @Delete(':clientId')
  @HttpCode(204)
  remove(@Param('clientId') clientId: string): void {
    this.clients.remove(clientId);
  }
}
