import { AuthErrorCode } from '../auth/auth.errors';
import { TenantErrorCode } from '../tenants/tenant.errors';
import { CallerRefusalCode } from './caller-refusals';
import { statusOfCode } from './error-codes';

describe('CallerRefusalCode', () => {
  it('names the codes the guard raises, each under the status its owner declares', () => {
    const raised: Record<CallerRefusalCode, string> = {
      [CallerRefusalCode.MissingToken]: AuthErrorCode.MissingToken,
      [CallerRefusalCode.InvalidToken]: AuthErrorCode.InvalidToken,
      [CallerRefusalCode.Forbidden]: AuthErrorCode.Forbidden,
      [CallerRefusalCode.IdentityProviderUnavailable]: AuthErrorCode.IdentityProviderUnavailable,
      [CallerRefusalCode.TenantNotFound]: TenantErrorCode.NotFound,
    };
    for (const [documented, owned] of Object.entries(raised)) {
      expect(documented).toBe(owned);
      expect(statusOfCode(documented)).toBe(statusOfCode(owned));
    }
    expect(Object.values(CallerRefusalCode).sort()).toEqual(Object.keys(raised).sort());
  });
});
