import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import type { Actor } from '../../common/actor';
import { AuditService } from '../../audit/audit.service';
import { truncate } from '../../common/formats';
import { OAuthError } from '../../common/oauth.error';
import { AppConfig } from '../../config/app-config';
import { UNKNOWN_CLIENT_HASH, verifyClientSecret } from '../principals/client-secret';
import { FailedLoginLimits } from './login-throttle';
import { Principal } from '../principals/principal.entity';
import { SigningKeys } from '../signing-keys/signing-keys';
import type { ClientCredentials } from './token-request';

export interface IssuedAccessToken {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
}

/** The broker's own client-credentials grant: a principal's ID and secret for a short-lived JWT. */
@Injectable()
export class AuthTokenService {
  private readonly failedLogins: FailedLoginLimits;

  constructor(
    @InjectRepository(Principal) private readonly principals: Repository<Principal>,
    private readonly signingKeys: SigningKeys,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {
    this.failedLogins = new FailedLoginLimits({
      slowdownAfter: config.auth.login.slowdownAfter,
      maxFailures: config.auth.login.maxFailures,
      maxFailuresPerAddress: config.auth.login.maxFailuresPerAddress,
      lockoutMs: config.auth.login.lockoutSeconds * 1000,
    });
  }

  /** `caller`: the anonymous request context; the principal becomes the actor once known. */
  async issue(credentials: ClientCredentials, caller: Extract<Actor, { type: 'anonymous' }>): Promise<IssuedAccessToken> {
    const address = caller.callerIp ?? 'unknown';
    const verdict = this.failedLogins.check(address, credentials.clientId);
    if (!verdict.allowed) {
      await this.recordRefusal(caller, credentials.clientId, 'locked out after repeated failures');
      throw new OAuthError('too_many_requests', 'Too many failed attempts; retry later', verdict.retryAfterSeconds);
    }
    if (verdict.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, verdict.delayMs));

    const principal = await this.principals.findOneBy({ clientId: credentials.clientId, deletedAt: IsNull() });
    // The hash is checked even for an unknown client ID, so timing does not tell which exist.
    const secretMatches = await verifyClientSecret(credentials.clientSecret, principal?.secretHash ?? UNKNOWN_CLIENT_HASH);
    if (!principal || !secretMatches || !principal.enabled) {
      this.failedLogins.recordFailure(address, credentials.clientId);
      const reason = !principal ? 'unknown client ID' : !secretMatches ? 'wrong secret' : 'principal disabled';
      await this.recordRefusal(caller, credentials.clientId, reason);
      throw new OAuthError('invalid_client', 'Client authentication failed');
    }
    this.failedLogins.recordSuccess(address, credentials.clientId);
    const ttl = this.config.auth.tokenTtlSeconds;
    const accessToken = await this.signingKeys.sign({ role: principal.role, sv: principal.secretVersion }, principal.id, ttl);
    await this.audit.recordCommitted({
      actor: { type: 'principal', id: principal.id, name: principal.name, requestId: caller.requestId, callerIp: caller.callerIp },
      action: 'auth.login',
      target: { type: 'principal', id: principal.id },
      details: { clientId: principal.clientId, tokenFingerprint: this.audit.fingerprint(accessToken), expiresInSeconds: ttl },
    });
    return { access_token: accessToken, token_type: 'Bearer', expires_in: ttl };
  }

  private async recordRefusal(caller: Actor, clientId: string, reason: string): Promise<void> {
    // The attempted client ID is recorded: it is an identifier, not a secret.
    await this.audit.recordBestEffort({
      actor: caller,
      action: 'auth.denied',
      outcome: 'denied',
      details: { clientId: truncate(clientId, 128), reason, route: '/v1/auth/token' },
    });
  }
}
