import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiCallerAuth, Roles } from '../common/route-metadata';
import { MetricsService } from './metrics.service';

@ApiTags('metrics')
@ApiCallerAuth()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Roles('admin')
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary: 'Prometheus metrics',
    description:
      'Admin only: the series name every MyInvois client ID, which a service principal has no business seeing (Prometheus logs in at ' +
      '`/v1/auth/token` with its `oauth2` scrape setting). The Prometheus text exposition format: process metrics and the `broker_*` series.',
  })
  @ApiOkResponse({
    content: { 'text/plain': { schema: { type: 'string', example: '# HELP broker_audit_available 1 when audit events can be written\n' } } },
    description: 'Prometheus exposition format (text/plain; version=0.0.4)',
  })
  async scrape(@Res() reply: FastifyReply): Promise<void> {
    const { contentType, body } = await this.metrics.render();
    await reply.header('content-type', contentType).send(body);
  }
}
