import { Injectable, Logger } from '@nestjs/common';
import type { Actor } from '../audit/actor';
import { AuditService } from '../audit/audit.service';
import { MetricsService } from '../metrics/metrics.service';
import { LoginBudget, LoginPurpose } from '../myinvois/login-budget';
import { LoginOutcome, LoginSuccess } from '../myinvois/login-outcome';
import { MyInvoisClient } from '../myinvois/myinvois.client';
import { CredentialLoginInfo, CredentialSecrets, CredentialsService } from '../vault/credentials.service';
import { AllSecretsRefused, nextSecret, SecretRefusals, SecretsChanged } from './secret-refusals';
import type { TokenKey } from './token-key';
import { Lease, LeaseLost, TokenStore } from './token-store';
import { TokenError, TokenErrorCode } from './tokens.errors';

export interface LoginContext {
  key: TokenKey;
  tenantId: string | null;
  /** The TIN the token should be for, to compare with its claim (a warning only). */
  expectedTin: string | null;
  purpose: LoginPurpose;
  actor: Actor;
  /** An operator's verification may try a credential marked invalid. */
  evenIfInvalid?: boolean;
  /** How long to wait for a slot of the budget (default LOGIN_WAIT_MAX_MS; the refresher: 0). */
  waitMaxMs?: number;
  /** Abandons the call to MyInvois (the refresher, when its replica stops). */
  abort?: AbortSignal;
  /** The key's lease: confirmed right before each request goes out (LeaseLost if another acquisition took it). */
  lease?: Lease;
}

export interface UpstreamToken extends LoginSuccess {
  secretUsed: number;
  tinMatches: boolean | null;
}

/** How long a request waits before a retry after MyInvois failed transiently without saying how long (Retry-After). */
const TRANSIENT_RETRY_SECONDS = 5;
/** Secrets replaced while a login waited more often than this in a row: give up for now. */
const MAX_SECRET_REOPENS = 3;

/**
 * One login to MyInvois for a token key: takes a slot of the client ID's budget per attempt,
 * tries the secret that worked last and, if MyInvois refuses it, the other one once; keeps the
 * credential's health (valid / invalid) and writes `upstream.login` or `upstream.login_failed`.
 * Whether a secret may be sent is decided with the slot, after any wait for it: by then
 * another login may have found the credential refused.
 */
@Injectable()
export class UpstreamLogin {
  private readonly logger = new Logger(UpstreamLogin.name);

  constructor(
    private readonly client: MyInvoisClient,
    private readonly budget: LoginBudget,
    private readonly credentials: CredentialsService,
    private readonly refusals: SecretRefusals,
    private readonly store: TokenStore,
    private readonly audit: AuditService,
    private readonly metrics: MetricsService,
  ) {}

  async login(context: LoginContext): Promise<UpstreamToken> {
    const info = await this.credentials.loginInfo(context.key.credentialId);
    if (!info) throw new TokenError(TokenErrorCode.NoCredential, `Credential ${context.key.credentialId} no longer exists`);
    if (info.status === 'invalid' && !context.evenIfInvalid) {
      // A known-bad secret is never sent again.
      throw TokenError.credentialInvalid(info.id, info.lastErrorCode, info.lastErrorDescription);
    }
    for (let opened = 1; ; opened++) {
      try {
        return await this.credentials.withSecrets(info.id, (held) => this.loginWith(context, info, held));
      } catch (error) {
        if (!(error instanceof SecretsChanged)) throw error;
        if (opened >= MAX_SECRET_REOPENS) throw TokenError.unavailable('the credential secrets keep changing', TRANSIENT_RETRY_SECONDS);
      }
    }
  }

  private async loginWith(context: LoginContext, info: CredentialLoginInfo, held: CredentialSecrets): Promise<UpstreamToken> {
    const tried = new Set<number>();
    for (;;) {
      const which = await this.takeSlot(context, info, held, tried);
      tried.add(which);
      const outcome = await this.client.login(
        {
          environment: info.environment,
          clientId: info.clientId,
          clientSecret: held.secrets.get(which)!,
          scope: context.key.scope,
          onBehalfOf: context.key.onBehalfOf || undefined,
        },
        context.abort,
      );
      this.metrics.upstreamLogins.inc({ outcome: outcome.kind, purpose: context.purpose });
      let token: UpstreamToken | 'try_other_secret';
      try {
        // Acted on before it is audited: the audit write waits for a group commit, and meanwhile other logins of
        // this client ID must already see the refused secret, the invalid credential, the pause after a 429, the lease
        // extended over what is left.
        token = await this.actOn(context, info, held, which, tried, outcome);
      } finally {
        await this.record(context, info.clientId, which, outcome);
      }
      if (token !== 'try_other_secret') return token;
    }
  }

  /** Acts on MyInvois's answer: the token, `try_other_secret` after a refusal that leaves one to try, or the failure, thrown. */
  private async actOn(
    context: LoginContext,
    info: CredentialLoginInfo,
    held: CredentialSecrets,
    which: number,
    tried: ReadonlySet<number>,
    outcome: LoginOutcome,
  ): Promise<UpstreamToken | 'try_other_secret'> {
    switch (outcome.kind) {
      case 'success': {
        // The audit write, sealing and storing still to come must not outlast the lease, or another acquisition logs in again.
        if (context.lease)
          await this.store
            .holdForStoring(context.lease)
            .catch((error: unknown) => this.logger.warn({ err: error }, 'could not extend the lease over storing a token'));
        await this.credentials.recordWorkingSecret(info.id, held.secretsVersion, which);
        await this.refusals.forget(info.id, held.secretsVersion, which);
        const tinMatches = context.expectedTin && outcome.tinClaim ? outcome.tinClaim.toUpperCase() === context.expectedTin : null;
        if (tinMatches === false) {
          this.logger.warn(
            { credentialId: info.id, tenantId: context.tenantId, tinClaim: outcome.tinClaim, expectedTin: context.expectedTin },
            'the token MyInvois issued names another taxpayer TIN than the tenant on file',
          );
        }
        if (outcome.expiryWarning) this.logger.warn({ credentialId: info.id, warning: outcome.expiryWarning }, 'token expiry claims disagree');
        return { ...outcome, secretUsed: which, tinMatches };
      }
      case 'refused': {
        // For an intermediary, this means the one taxpayer has not authorised it: not the credential's fault.
        if (outcome.code === 'unauthorized_client' && context.key.onBehalfOf) {
          throw new TokenError(
            TokenErrorCode.NotAuthorised,
            `MyInvois says the intermediary may not act on behalf of ${context.key.onBehalfOf}: the taxpayer must authorise it in the MyInvois portal`,
            { upstreamError: outcome.code, upstreamDescription: outcome.description, onBehalfOf: context.key.onBehalfOf },
          );
        }
        // Written down before the other secret is tried, so that it is never sent again, whatever that attempt meets.
        const refused = await this.refusals.record(info.id, held.secretsVersion, which, outcome);
        // An operator's verification tries every secret once, refused or not.
        if (nextSecret(held.preferred, [...held.secrets.keys()], tried, context.evenIfInvalid ? new Set() : refused) !== undefined) return 'try_other_secret';
        await this.credentials.markInvalid(context.actor, info.id, held.secretsVersion, { code: outcome.code, description: outcome.description });
        throw TokenError.credentialInvalid(info.id, outcome.code, outcome.description);
      }
      case 'request_error':
        this.logger.error({ credentialId: info.id, code: outcome.code, description: outcome.description }, 'MyInvois refused the login request itself');
        throw new TokenError(
          TokenErrorCode.UpstreamRefusedRequest,
          `MyInvois refused the login request (${outcome.code})`,
          {
            upstreamError: outcome.code,
            upstreamDescription: outcome.description,
          },
          TRANSIENT_RETRY_SECONDS,
        );
      case 'rate_limited':
        await this.budget.pause(info.id, outcome.retryAfterMs);
        throw new TokenError(
          TokenErrorCode.Unavailable,
          'MyInvois rate-limited this client ID (429)',
          { reason: 'rate_limited' },
          Math.ceil(outcome.retryAfterMs / 1000),
        );
      case 'transient':
        throw TokenError.unavailable(outcome.description, outcome.retryAfterMs ? Math.ceil(outcome.retryAfterMs / 1000) : TRANSIENT_RETRY_SECONDS);
    }
  }

  /**
   * A slot of the budget, and with it the secret to send: decided under the budget's lock,
   * after any wait, from the credential as it is now; the lease is confirmed at the same moment.
   */
  private async takeSlot(context: LoginContext, info: CredentialLoginInfo, held: CredentialSecrets, tried: ReadonlySet<number>): Promise<number> {
    const secrets = { secretsVersion: held.secretsVersion, secrets: [...held.secrets.keys()] };
    try {
      return await this.budget.take(
        info.id,
        info.loginRatePerMinute,
        context.purpose,
        async (manager) => {
          const which = await this.refusals.choose(manager, info.id, secrets, tried, context.evenIfInvalid === true);
          if (context.lease && !(await this.store.confirmLease(context.lease, manager))) throw new LeaseLost();
          return which;
        },
        context.waitMaxMs,
      );
    } catch (error) {
      if (!(error instanceof AllSecretsRefused)) throw error;
      await this.credentials.markInvalid(context.actor, info.id, held.secretsVersion, { code: error.code, description: error.description });
      throw TokenError.credentialInvalid(info.id, error.code, error.description);
    }
  }

  private async record(context: LoginContext, clientId: string, secret: number, outcome: LoginOutcome): Promise<void> {
    const base = {
      actor: context.actor,
      tenantId: context.tenantId,
      target: { type: 'credential', id: context.key.credentialId },
    };
    // Which of the two secrets: `usedSecondary`, a name the audit's secret filter lets through.
    const common = { clientId, onBehalfOf: context.key.onBehalfOf || null, scope: context.key.scope, usedSecondary: secret === 2, purpose: context.purpose };
    if (outcome.kind === 'success') {
      await this.audit.recordBestEffort({
        ...base,
        action: 'upstream.login',
        details: { ...common, expiresAt: outcome.expiresAt, tokenFingerprint: this.audit.fingerprint(outcome.accessToken), tinClaim: outcome.tinClaim },
      });
      return;
    }
    await this.audit.recordBestEffort({
      ...base,
      action: 'upstream.login_failed',
      outcome: 'failure',
      details: {
        ...common,
        classification: outcome.kind,
        ...(outcome.kind === 'transient' ? { reason: outcome.reason, description: outcome.description } : {}),
        ...(outcome.kind === 'refused' || outcome.kind === 'request_error' ? { upstreamError: outcome.code, upstreamDescription: outcome.description } : {}),
        ...(outcome.kind === 'rate_limited' ? { retryAfterMs: outcome.retryAfterMs } : {}),
        ...('status' in outcome && outcome.status !== undefined ? { status: outcome.status } : {}),
      },
    });
  }
}
