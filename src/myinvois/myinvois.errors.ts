import { DomainError } from '../common/domain-error';
import { defineErrorCodes } from '../common/error-codes';

export enum MyInvoisErrorCode {
  BudgetExhausted = 'login_budget_exhausted',
  Unavailable = 'upstream_unavailable',
  RequestRefused = 'upstream_request_refused',
}

const KIND = defineErrorCodes<MyInvoisErrorCode>({
  [MyInvoisErrorCode.BudgetExhausted]: 'unavailable',
  [MyInvoisErrorCode.Unavailable]: 'unavailable',
  [MyInvoisErrorCode.RequestRefused]: 'unavailable',
});

export class MyInvoisError extends DomainError {
  constructor(code: MyInvoisErrorCode, message: string, details?: Record<string, unknown>, retryAfterSeconds?: number) {
    super(code, KIND[code], message, details, retryAfterSeconds);
  }

  static budgetExhausted(reason: 'exhausted' | 'paused', retryAfterSeconds: number): MyInvoisError {
    return new MyInvoisError(
      MyInvoisErrorCode.BudgetExhausted,
      reason === 'paused'
        ? 'MyInvois asked this client ID to wait (429); no login is possible before Retry-After'
        : "This client ID's MyInvois login budget is spent for now; retry after Retry-After",
      { reason },
      retryAfterSeconds,
    );
  }

  /** MyInvois has been failing this client ID: no login before Retry-After (then one goes out to see whether it is back). */
  static backingOff(retryAfterSeconds: number): MyInvoisError {
    return new MyInvoisError(
      MyInvoisErrorCode.Unavailable,
      'MyInvois has been failing this client ID; the next login attempt is after Retry-After',
      { reason: 'backing_off' },
      retryAfterSeconds,
    );
  }
}
