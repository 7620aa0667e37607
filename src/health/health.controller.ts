import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Public } from '../auth/decorators';
import { Readiness } from './readiness';
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

  /** The process is up and its event loop answers; nothing else is checked. */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /** Ready for traffic: the database answers and no shutdown is under way. Also reports (without failing on it) the key ring's state. */
  @Get('ready')
  @HealthCheck()
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
