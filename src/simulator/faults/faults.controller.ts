import { Body, Controller, Delete, Get, HttpCode, Param, Put } from '@nestjs/common';
import { SetFaultDto } from './dto/set-fault.dto';
import { Fault } from './fault-plan';
import { FaultsService } from './faults.service';
import type { FaultsView } from './faults.service';

@Controller('_sim')
export class FaultsController {
  constructor(private readonly faults: FaultsService) {}

  @Get('faults')
  view(): FaultsView {
    return this.faults.view();
  }

  @Put('faults')
  setGlobal(@Body() body: SetFaultDto): Fault | { kind: 'none' } {
    return this.faults.setGlobal(body);
  }

  /** Clears every fault, global and per client. */
  @Delete('faults')
  @HttpCode(204)
  clearAll(): void {
    this.faults.clearAll();
  }

  @Put('clients/:clientId/faults')
  setForClient(@Param('clientId') clientId: string, @Body() body: SetFaultDto): Fault | { kind: 'none' } {
    return this.faults.setForClient(clientId, body);
  }
}
