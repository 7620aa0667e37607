import { Injectable } from '@nestjs/common';
import { ValidationFailedError } from '../../common/domain-error';
import { ClientsService } from '../clients/clients.service';
import { SimulatorError } from '../simulator.errors';
import { SetFaultDto } from './dto/set-fault.dto';
import { Fault, FaultPlan, toFault } from './fault-plan';

export type FaultsView = { global: Fault | null; clients: Record<string, Fault> };

/**
 * Faults are keyed by client ID, like MyInvois keys its gateway by the body's `client_id`:
 * they outlive a client's deletion or replacement until cleared.
 */
@Injectable()
export class FaultsService {
  private readonly plan = new FaultPlan();

  constructor(private readonly clients: ClientsService) {}

  setGlobal(request: SetFaultDto): Fault | { kind: 'none' } {
    const fault = this.read(request);
    this.plan.setGlobal(fault);
    return fault ?? { kind: 'none' };
  }

  setForClient(clientId: string, request: SetFaultDto): Fault | { kind: 'none' } {
    if (!this.clients.isRegistered(clientId)) throw SimulatorError.clientNotFound(clientId);
    const fault = this.read(request);
    this.plan.setForClient(clientId, fault);
    return fault ?? { kind: 'none' };
  }

  clearAll(): void {
    this.plan.clearAll();
  }

  view(): FaultsView {
    return this.plan.snapshot();
  }

  /** The fault the next token request with this client ID gets, if any; counted faults count down. */
  take(clientId: string | undefined): Fault | undefined {
    return this.plan.take(clientId);
  }

  private read(request: SetFaultDto): Fault | undefined {
    const { fault, problem } = toFault(request);
    if (problem) throw ValidationFailedError.field(problem.field, problem.message);
    return fault;
  }
}
