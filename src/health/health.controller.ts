import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Public } from '../common/route-metadata';
import { Readiness } from './readiness';
import { HealthDto, HealthUnavailableDto } from './dto/health.dto';
import { ShutdownState } from './shutdown-state';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly shutdown: ShutdownState,
    private readonly readiness: Readiness,
  ) {}

  @Get('live')
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOperation({
    summary: 'Liveness',
    description: 'Anyone may call it. The process is up and its event loop answers; nothing else is checked. For the liveness probe.',
  })
  @ApiOkResponse({ type: HealthDto, description: 'Alive' })
  @ApiServiceUnavailableResponse({ type: HealthUnavailableDto, description: 'Not alive' })
  live() {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOperation({
    summary: 'Readiness',
    description:
      'Anyone may call it. 200 when the database answers and no shutdown is under way; 503 from the moment the replica receives SIGTERM, ' +
      'so that the load balancer takes it out of rotation while it finishes its requests. It also reports, without failing on it, ' +
      "the vault's key ring (`keyRing`): a replica whose HSM is away still serves every cached token.",
  })
  @ApiOkResponse({ type: HealthDto, description: 'Ready for traffic' })
  @ApiServiceUnavailableResponse({ type: HealthUnavailableDto, description: 'Not ready: the database does not answer, or the replica is shutting down' })
  ready() {
    return this.health.check([
      () => {
        const lifecycle = this.indicators.check('lifecycle');
        return this.shutdown.shuttingDown ? lifecycle.down({ message: 'shutting down' }) : lifecycle.up();
      },
      () => this.database.pingCheck('database').withTimeout(2000),
      ...[...this.readiness.all()].map(
        ([name, report]) =>
          () =>
            this.indicators.check(name).up(report()),
      ),
    ]);
  }
}
