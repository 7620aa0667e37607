import { Injectable, Logger } from '@nestjs/common';
import type { Actor } from '../common/actor';
import { LoginBudget, LoginPurpose } from '../myinvois/login-budget';
import { LoginOutcome, LoginSuccess } from '../myinvois/login-outcome';
import { MyInvoisClient } from '../myinvois/myinvois.client';
import { MyInvoisError, MyInvoisErrorCode } from '../myinvois/myinvois.errors';
import { CredentialLoginInfo, CredentialSecrets, CredentialsService } from '../vault/credentials.service';
import { LoginJournal } from './login-journal';
import { AllSecretsRefused, SecretRefusals, SecretsChanged } from './secret-refusals';
import type { TokenKey } from './token-key';
import { Lease, LeaseLost, TokenStore } from './token-store';
import { NOTHING_SENT, TokenError, TokenErrorCode, upstreamFacts } from './tokens.errors';

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

/** Secrets replaced while a login waited more often than this in a row: give up for now. */
const MAX_SECRET_REOPENS = 3;
/** When the secrets keep changing under a login, or it was abandoned: ask again soon. */
const RETRY_SOON_SECONDS = 2;
/** After a taxpayer has not authorised the intermediary: its key tries again at most this often (its client ID's budget is shared by every taxpayer). */
const NOT_AUTHORISED_RETRY_SECONDS = 300;

/**
 * One login to MyInvois for a token key: takes a slot of the client ID's budget per attempt,
 * tries the secret that worked last and, if MyInvois refuses it, the other one once; acts on
 * the classified answer (a refusal makes the credential invalid, MyInvois failing backs the
 * client ID off, a request error backs the key off) and has the journal write it down.
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
    private readonly journal: LoginJournal,
  ) {}

  async login(context: LoginContext): Promise<UpstreamToken> {
    const info = await this.credentials.loginInfo(context.key.credentialId);
    if (!info) throw new TokenError(TokenErrorCode.NoCredential, `Credential ${context.key.credentialId} no longer exists`);
    if (info.status === 'invalid' && !context.evenIfInvalid) {
      // A known-bad secret is never sent again.
      throw TokenError.credentialInvalid(info.id, info.lastErrorCode, info.lastErrorDescription, info.lastErrorCorrelationId);
    }
    // Taking over from a holder that died mid-login: its attempt is closed before this one's goes on record.
    if (context.lease) await this.journal.abandoned(context, context.lease);
    for (let opened = 1; ; opened++) {
      try {
        return await this.credentials.withSecrets(info.id, (held) => this.loginWith(context, info, held));
      } catch (error) {
        if (!(error instanceof SecretsChanged)) throw error;
        if (opened >= MAX_SECRET_REOPENS) throw TokenError.unavailable('the credential secrets keep changing', RETRY_SOON_SECONDS, 'secrets_changing');
      }
    }
  }

  private async loginWith(context: LoginContext, info: CredentialLoginInfo, held: CredentialSecrets): Promise<UpstreamToken> {
    const tried = new Set<number>();
    for (;;) {
      const which = await this.takeSlot(context, info, held, tried);
      tried.add(which);
      // On record before it is sent: no record, no login.
      const attemptId = await this.journal.attempt(context, info.clientId, which);
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
      let token: UpstreamToken | 'try_other_secret' | undefined;
      let failure: unknown;
      try {
        // Acted on before it is audited: the audit write waits for a group commit, and meanwhile other logins of
        // this client ID must already see the refused secret, the invalid credential, the pause after a 429, the
        // back-off, the lease extended over what is left.
        token = await this.actOn(context, info, held, which, tried, outcome);
      } catch (error) {
        failure = error;
      }
      await this.journal.record(context, info.clientId, which, attemptId, outcome, failure);
      if (failure !== undefined) throw failure;
      if (token !== 'try_other_secret') return token!;
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
    // A verdict of the identity service, whatever it is, means MyInvois answers this client ID again.
    if (outcome.kind !== 'transient' && outcome.kind !== 'rate_limited') await this.budget.recordAnswered(info.id);
    switch (outcome.kind) {
      case 'success':
        return this.accept(context, info, held, which, outcome);
      case 'refused':
        return this.refusals.refuse(
          context.actor,
          info.id,
          { secretsVersion: held.secretsVersion, preferred: held.preferred, secrets: [...held.secrets.keys()] },
          which,
          tried,
          outcome,
          context.evenIfInvalid === true,
        );
      case 'not_authorised':
        // The one taxpayer has not authorised the intermediary: not the credential's fault, and only this key waits.
        throw TokenError.notAuthorised(context.key.onBehalfOf, upstreamFacts(outcome), NOT_AUTHORISED_RETRY_SECONDS);
      case 'request_error': {
        // Backed off per key, exponentially: sending the same malformed request again and again would only spend the budget.
        const waitMs = this.budget.keyBackoffMs((context.lease?.failures ?? 0) + 1, outcome.retryAfterMs);
        throw TokenError.requestRefused(upstreamFacts(outcome), Math.ceil(waitMs / 1000));
      }
      case 'rate_limited':
        await this.budget.pause(info.id, outcome.retryAfterMs);
        throw TokenError.unavailable(
          'MyInvois rate-limited this client ID (429)',
          Math.ceil(outcome.retryAfterMs / 1000),
          'rate_limited',
          upstreamFacts(outcome),
        );
      case 'transient': {
        if (outcome.reason === 'abandoned') throw TokenError.unavailable(outcome.description, RETRY_SOON_SECONDS, outcome.reason, upstreamFacts(outcome));
        // MyInvois is failing the client ID, not this key: every key of it waits, and one login goes out per back-off step.
        const { retryAt } = await this.budget.recordFailure(info.id, outcome.retryAfterMs);
        throw TokenError.unavailable(outcome.description, Math.ceil((retryAt.getTime() - Date.now()) / 1000), outcome.reason, upstreamFacts(outcome));
      }
    }
  }

  private async accept(
    context: LoginContext,
    info: CredentialLoginInfo,
    held: CredentialSecrets,
    which: number,
    outcome: LoginSuccess,
  ): Promise<UpstreamToken> {
    // The audit write, sealing and storing still to come must not outlast the lease, or another acquisition logs in again.
    if (context.lease)
      await this.store
        .holdForStoring(context.lease)
        .catch((error: unknown) => this.logger.warn({ err: error }, 'could not extend the lease over storing a token'));
    await this.refusals.worked(context.actor, info.id, held.secretsVersion, which);
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
      if (error instanceof AllSecretsRefused) return this.refusals.condemn(context.actor, info.id, held.secretsVersion, error);
      if (error instanceof MyInvoisError && error.code === MyInvoisErrorCode.Unavailable) throw this.backingOff(info, error);
      throw error;
    }
  }

  /** No login sent: the client ID backs off after MyInvois failed it. The caller hears what MyInvois last said. */
  private backingOff(info: CredentialLoginInfo, error: MyInvoisError): TokenError {
    const facts = {
      classification: info.lastErrorClassification ?? 'transient',
      upstreamError: info.lastErrorCode,
      upstreamDescription: info.lastErrorDescription,
      upstreamStatus: info.lastErrorStatus,
      upstreamCorrelationId: info.lastErrorCorrelationId,
    };
    const since = info.degradedSince ? `since ${info.degradedSince.toISOString()}` : 'lately';
    return TokenError.unavailable(
      `it has been failing this client ID ${since}; the next attempt is after Retry-After`,
      error.retryAfterSeconds ?? 1,
      NOTHING_SENT,
      facts,
    );
  }
}
