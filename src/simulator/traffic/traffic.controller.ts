import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import type { FailedAnswer, LoginRecord } from './login-record';
import type { Counters } from './traffic-counters';
import { TrafficService } from './traffic.service';

@Controller('_sim')
export class TrafficController {
  constructor(private readonly traffic: TrafficService) {}

  @Get('counters')
  all(): { total: Counters; clients: Record<string, Counters> } {
    return this.traffic.all();
  }

  /** Zeroes all counters, login logs and rate-limit windows. */
  @Post('counters/reset')
  @HttpCode(204)
  reset(): void {
    this.traffic.reset();
  }

  @Get('clients/:clientId/counters')
  forClient(@Param('clientId') clientId: string): Counters {
    return this.traffic.forClient(clientId);
  }

  @Get('clients/:clientId/logins')
  logins(@Param('clientId') clientId: string): LoginRecord[] {
    return this.traffic.loginsOf(clientId);
  }

  /** The answers that were not a token, with the correlationId each carried (the newest 200). */
  @Get('clients/:clientId/failures')
  failures(@Param('clientId') clientId: string): FailedAnswer[] {
    return this.traffic.failedAnswersOf(clientId);
  }
}
