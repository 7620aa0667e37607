import { Injectable } from '@nestjs/common';
import { AccessTokenVerifier } from './access-token.verifier';
import { AuthError } from '../auth.errors';
import type { Caller } from '../../common/caller';
import { PrincipalStates } from '../principals/principal-states';

/** Turns a bearer token into a Caller, or refuses it. */
@Injectable()
export class Authenticator {
  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly states: PrincipalStates,
  ) {}

  async authenticate(token: string): Promise<Caller> {
    const verified = await this.verifier.verify(token);
    const state = verified.kind === 'broker' ? await this.states.byPrincipalId(verified.principalId) : await this.states.byExternal(verified.subject);
    if (!state) throw AuthError.invalidToken('unknown principal');
    if (!state.enabled) throw AuthError.invalidToken('principal disabled');
    if (verified.kind === 'broker' && verified.secretVersion !== state.secretVersion) {
      throw AuthError.invalidToken('token issued before the secret was rotated');
    }
    return { principalId: state.id, name: state.name, role: state.role, allTenants: state.allTenants, tenantIds: state.tenantIds };
  }
}
