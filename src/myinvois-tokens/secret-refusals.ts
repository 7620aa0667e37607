import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Actor } from '../common/actor';
import type { LoginFailure } from '../myinvois/login-outcome';
import { CredentialHealth } from '../vault/credential-health.service';
import { TokenError, TokenErrorCode } from './tokens.errors';

/** The secrets were replaced while a login waited for a slot: open them again. */
export class SecretsChanged extends Error {
  constructor() {
    super('the credential secrets changed during the login');
  }
}

/** MyInvois has refused every secret of this version: the credential is invalid. */
export class AllSecretsRefused extends Error {
  constructor(
    readonly code: string,
    readonly description: string,
  ) {
    super('MyInvois refused every secret of the credential');
  }
}

interface CredentialState {
  status: string;
  secrets_version: number;
  preferred_secret: number;
  last_error_code: string | null;
  last_error_description: string | null;
  last_error_correlation_id: string | null;
  /** Newest first. */
  refusals: Array<{ secret: number; code: string; description: string }>;
}

/**
 * Which secret a login may send, decided right before it goes out. A refusal is written down
 * (`secret_refusals`, per version of the secrets) before the other secret is tried, so that no
 * later login, in any replica, sends a refused secret again, whatever became of the attempt
 * with the other one (a spent budget, a timeout).
 */
@Injectable()
export class SecretRefusals {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly health: CredentialHealth,
  ) {}

  /**
   * The next secret to send, among `held` (opened at `secretsVersion`) and not yet `tried` by
   * this login: the one that worked last first. Reads the credential row fresh (not the
   * cached login info) in the caller's transaction: a login that waited for a slot must see
   * the refusals and the `invalid` status other logins wrote meanwhile. An operator's
   * verification (`evenIfInvalid`) tries every secret again.
   */
  async choose(
    manager: EntityManager,
    credentialId: string,
    held: { secretsVersion: number; secrets: number[] },
    tried: ReadonlySet<number>,
    evenIfInvalid: boolean,
  ): Promise<number> {
    // The credentials table is the vault's; read here directly because this must happen in the budget's transaction.
    const [state] = (await manager.query(
      `SELECT c.status, c.secrets_version, c.preferred_secret, c.last_error_code, c.last_error_description, c.last_error_correlation_id,
              coalesce((SELECT json_agg(json_build_object('secret', r.secret, 'code', r.error_code, 'description', r.error_description)
                                 ORDER BY r.refused_at DESC)
                          FROM secret_refusals r WHERE r.credential_id = c.id AND r.secrets_version = c.secrets_version), '[]') AS refusals
         FROM credentials c WHERE c.id = $1`,
      [credentialId],
    )) as CredentialState[];
    if (!state) throw new TokenError(TokenErrorCode.NoCredential, `Credential ${credentialId} no longer exists`);
    if (state.secrets_version !== held.secretsVersion) throw new SecretsChanged();
    if (state.status === 'invalid' && !evenIfInvalid) {
      throw TokenError.credentialInvalid(credentialId, state.last_error_code, state.last_error_description, state.last_error_correlation_id);
    }
    const refused = new Set(evenIfInvalid ? [] : state.refusals.map((refusal) => refusal.secret));
    const next = nextSecret(state.preferred_secret, held.secrets, tried, refused);
    if (next === undefined) {
      const latest = state.refusals[0];
      throw new AllSecretsRefused(latest?.code ?? 'refused', latest?.description ?? '');
    }
    return next;
  }

  /**
   * MyInvois refused `secret` (the one this login sent). Written down before anything else, so
   * that it is never sent again whatever the attempt with the other secret meets. Answers
   * `try_other_secret` while one is left to try; otherwise the credential is now `invalid` and
   * this throws `credential_invalid`. A blocked or expired user is refused whatever the secret:
   * the other one is not tried. An operator's verification (`evenIfInvalid`) tries every secret
   * once, refused or not.
   */
  async refuse(
    actor: Actor,
    credentialId: string,
    held: { secretsVersion: number; preferred: number; secrets: readonly number[] },
    secret: number,
    tried: ReadonlySet<number>,
    refusal: Extract<LoginFailure, { kind: 'refused' }>,
    evenIfInvalid: boolean,
  ): Promise<'try_other_secret'> {
    const refused = await this.record(credentialId, held.secretsVersion, secret, refusal);
    const left = refusal.everySecret ? undefined : nextSecret(held.preferred, held.secrets, tried, evenIfInvalid ? new Set() : refused);
    if (left !== undefined) return 'try_other_secret';
    const upstream = { code: refusal.code, description: refusal.description, status: refusal.status, correlationId: refusal.correlationId };
    await this.health.markInvalid(actor, credentialId, held.secretsVersion, upstream);
    throw TokenError.credentialInvalid(credentialId, refusal.code, refusal.description, refusal.correlationId);
  }

  /** A login found every secret of this version refused already (by other logins): the credential is `invalid`. */
  async condemn(actor: Actor, credentialId: string, secretsVersion: number, refusal: AllSecretsRefused): Promise<never> {
    await this.health.markInvalid(actor, credentialId, secretsVersion, {
      code: refusal.code,
      description: refusal.description,
      status: null,
      correlationId: null,
    });
    throw TokenError.credentialInvalid(credentialId, refusal.code, refusal.description);
  }

  /** `secret` of this version logged in: the credential is `valid` (its degraded episode over), that secret preferred and no longer refused. */
  async worked(actor: Actor, credentialId: string, secretsVersion: number, secret: number): Promise<void> {
    await this.health.recordWorkingSecret(actor, credentialId, secretsVersion, secret);
    await this.forget(credentialId, secretsVersion, secret);
  }

  /** MyInvois refused `secret` of this version of the credential's secrets. Answers every refused secret of that version. */
  async record(credentialId: string, secretsVersion: number, secret: number, upstream: { code: string; description: string }): Promise<ReadonlySet<number>> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(
        `INSERT INTO secret_refusals (credential_id, secrets_version, secret, error_code, error_description) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (credential_id, secrets_version, secret) DO UPDATE
           SET error_code = excluded.error_code, error_description = excluded.error_description, refused_at = now()`,
        [credentialId, secretsVersion, secret, upstream.code.slice(0, 64), upstream.description.slice(0, 500)],
      );
      // Refusals of replaced secrets say nothing any more.
      await manager.query('DELETE FROM secret_refusals WHERE credential_id = $1 AND secrets_version < $2', [credentialId, secretsVersion]);
      const refused = (await manager.query('SELECT secret FROM secret_refusals WHERE credential_id = $1 AND secrets_version = $2', [
        credentialId,
        secretsVersion,
      ])) as Array<{
        secret: number;
      }>;
      return new Set(refused.map((row) => row.secret));
    });
  }

  /**
   * A login holding `secretsVersion` succeeded with `secret`: that secret of that version is not
   * refused. Only that one: a secret no login has sent since its refusal stays known bad (even
   * after a verification that succeeded with the other), and a refusal of replaced or newer
   * secrets is not this login's to clear.
   */
  async forget(credentialId: string, secretsVersion: number, secret: number): Promise<void> {
    await this.dataSource.query('DELETE FROM secret_refusals WHERE credential_id = $1 AND secrets_version = $2 AND secret = $3', [
      credentialId,
      secretsVersion,
      secret,
    ]);
  }
}

/**
 * The secret a login sends next: the one that worked last first, then the other; never one this
 * login has sent already, nor one `refused`. Undefined when none is left.
 */
export function nextSecret(preferred: number, held: readonly number[], tried: ReadonlySet<number>, refused: ReadonlySet<number>): number | undefined {
  const order = [preferred, ...held.filter((secret) => secret !== preferred)];
  return order.find((secret) => held.includes(secret) && !tried.has(secret) && !refused.has(secret));
}
