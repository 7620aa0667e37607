import { AuditErrorCode } from '../audit/audit.errors';
import { AuthErrorCode } from '../auth/auth.errors';
import { MyInvoisErrorCode } from '../myinvois/myinvois.errors';
import { TenantErrorCode } from '../tenants/tenant.errors';
import { TokenErrorCode } from '../myinvois-tokens/tokens.errors';
import { VaultErrorCode } from '../vault/vault.errors';
import { ValidationFailedError } from './domain-error';
import { defineErrorCodes, RequestErrorCode, statusOfCode, STATUS_OF_KIND } from './error-codes';

describe('error codes', () => {
  it('gives every code of every domain the status of the kind its error carries', () => {
    expect(statusOfCode(TenantErrorCode.TinTaken)).toBe(409);
    expect(statusOfCode(AuthErrorCode.Forbidden)).toBe(403);
    expect(statusOfCode(AuditErrorCode.Unavailable)).toBe(503);
    expect(statusOfCode(VaultErrorCode.Integrity)).toBe(500);
    expect(statusOfCode(MyInvoisErrorCode.BudgetExhausted)).toBe(503);
    expect(statusOfCode(RequestErrorCode.UnsupportedMediaType)).toBe(415);
    for (const code of [...Object.values(TokenErrorCode), ...Object.values(AuthErrorCode), ...Object.values(RequestErrorCode)]) {
      expect(Object.values(STATUS_OF_KIND)).toContain(statusOfCode(code));
    }
  });

  it('answers an error with the status its code is documented under', () => {
    const error = ValidationFailedError.field('tin', 'tin is required');
    expect(STATUS_OF_KIND[error.kind]).toBe(statusOfCode(error.code));
    expect(error.details).toEqual({ field: 'tin', errors: [{ field: 'tin', message: 'tin is required' }] });
  });

  it('refuses one code declared with two kinds, and a code never declared', () => {
    // upstream_unavailable is declared by two domains, alike: that is allowed.
    expect(statusOfCode(TokenErrorCode.Unavailable)).toBe(statusOfCode(MyInvoisErrorCode.Unavailable));
    expect(() => defineErrorCodes({ [TenantErrorCode.NotFound]: 'conflict' })).toThrow(/declared both not_found and conflict/);
    expect(() => statusOfCode('no_such_code')).toThrow(/not declared/);
  });
});
