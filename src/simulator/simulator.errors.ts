import { DomainError } from '../common/domain-error';
import { defineErrorCodes } from '../common/error-codes';

export enum SimulatorErrorCode {
  ClientNotFound = 'simulated_client_not_found',
}

const KIND = defineErrorCodes<SimulatorErrorCode>({
  [SimulatorErrorCode.ClientNotFound]: 'not_found',
});

/** Errors of the control API (`/_sim/...`); the token endpoint answers in OAuth terms instead. */
export class SimulatorError extends DomainError {
  constructor(code: SimulatorErrorCode, message: string, details?: Record<string, unknown>) {
    super(code, KIND[code], message, details);
  }

  static clientNotFound(clientId: string): SimulatorError {
    return new SimulatorError(SimulatorErrorCode.ClientNotFound, `Client ${clientId} is not registered with the simulator`);
  }
}
