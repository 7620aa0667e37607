import { Injectable, Logger } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { DomainError } from '../common/domain-error';
import { MetricsService } from '../metrics/metrics.service';
import { failureCode, failureDescription, LoginFailure, LoginOutcome } from '../myinvois/login-outcome';
import { CredentialHealth } from '../vault/credential-health.service';
import type { LoginContext } from './upstream-login';

/**
 * Writes down what each answer of MyInvois was, once per login sent: the `upstream.login` or
 * `upstream.login_failed` audit event, the metric, for a failure one log line (a login goes out
 * once per back-off step, so this is once per step, never once per request), and what the
 * failure says about the credential (its last error, a degraded episode). MyInvois's
 * `correlationId` goes into each. Never throws: the login's own outcome is what matters.
 */
@Injectable()
export class LoginJournal {
  private readonly logger = new Logger('UpstreamLogin');

  constructor(
    private readonly audit: AuditService,
    private readonly metrics: MetricsService,
    private readonly health: CredentialHealth,
  ) {}

  /** `failure`: what the login threw for this answer (its Retry-After is the next attempt's wait). */
  async record(context: LoginContext, clientId: string, secret: number, outcome: LoginOutcome, failure?: unknown): Promise<void> {
    this.metrics.upstreamLogins.inc({ outcome: outcome.kind, purpose: context.purpose });
    const base = { actor: context.actor, tenantId: context.tenantId, target: { type: 'credential', id: context.key.credentialId } };
    // Which of the two secrets: `usedSecondary`, a name the audit's secret filter lets through.
    const common = {
      clientId,
      onBehalfOf: context.key.onBehalfOf || null,
      scope: context.key.scope,
      usedSecondary: secret === 2,
      purpose: context.purpose,
      upstreamCorrelationId: outcome.correlationId,
    };
    if (outcome.kind === 'success') {
      await this.audit.recordBestEffort({
        ...base,
        action: 'upstream.login',
        details: {
          ...common,
          expiresAt: outcome.expiresAt,
          tokenFingerprint: this.audit.fingerprint(outcome.accessToken),
          tinClaim: outcome.tinClaim,
          intermediaryTinClaim: outcome.claims?.intermediaryTin ?? null,
        },
      });
      return;
    }
    const retryAfterSeconds = failure instanceof DomainError ? (failure.retryAfterSeconds ?? null) : null;
    await this.keepOnCredential(context, outcome);
    await this.audit.recordBestEffort({
      ...base,
      action: 'upstream.login_failed',
      outcome: 'failure',
      details: {
        ...common,
        classification: outcome.kind,
        upstreamError: failureCode(outcome),
        upstreamDescription: failureDescription(outcome),
        ...(outcome.status !== undefined ? { status: outcome.status } : {}),
        ...(outcome.kind === 'transient' ? { reason: outcome.reason } : {}),
        ...(outcome.kind === 'rate_limited' ? { retryAfterMs: outcome.retryAfterMs } : {}),
        nextAttemptInSeconds: retryAfterSeconds,
      },
    });
    this.log(context, clientId, outcome, retryAfterSeconds);
  }

  /**
   * The credential's last error, and whether it degrades it: MyInvois failing (transient), or
   * refusing the broker's own request when that is not on behalf of one taxpayer (an
   * intermediary's request error for one taxpayer concerns that tenant's key, as a taxpayer
   * not authorising it does, and must not make the credential flap between degraded and not).
   */
  private async keepOnCredential(context: LoginContext, outcome: LoginFailure): Promise<void> {
    if (outcome.kind === 'not_authorised' || (outcome.kind === 'transient' && outcome.reason === 'abandoned')) return;
    const degrades = outcome.kind === 'transient' || (outcome.kind === 'request_error' && !context.key.onBehalfOf);
    const error = {
      classification: outcome.kind,
      code: failureCode(outcome),
      description: failureDescription(outcome),
      status: outcome.status ?? null,
      correlationId: outcome.correlationId,
    };
    await this.health
      .recordFailure(context.actor, context.key.credentialId, error, degrades)
      .catch((cause: unknown) =>
        this.logger.warn({ err: cause, credentialId: context.key.credentialId }, 'could not record the failed login on the credential'),
      );
  }

  private log(context: LoginContext, clientId: string, outcome: LoginFailure, retryAfterSeconds: number | null): void {
    if (outcome.kind === 'transient' && outcome.reason === 'abandoned') return;
    const fields = {
      credentialId: context.key.credentialId,
      clientId,
      tenantId: context.tenantId,
      onBehalfOf: context.key.onBehalfOf || null,
      purpose: context.purpose,
      classification: outcome.kind,
      code: failureCode(outcome),
      status: outcome.status ?? null,
      correlationId: outcome.correlationId,
      nextAttemptInSeconds: retryAfterSeconds,
    };
    const next = retryAfterSeconds === null ? '' : `; next attempt in ${retryAfterSeconds} s`;
    const message = `MyInvois login of client ID ${clientId} failed (${outcome.kind}: ${failureDescription(outcome)})${next}`;
    // A request error is the broker's own mistake (or its configuration's): someone must look.
    if (outcome.kind === 'request_error') this.logger.error(fields, message);
    else this.logger.warn(fields, message);
  }
}
