import { Controller, Get } from '@nestjs/common';

@Controller('_sim')
export class SimulatorHealthController {
  /** Answers once the simulator is listening; the test harness waits for it. */
  @Get('health')
  health(): { ok: true } {
    return { ok: true };
  }
}
