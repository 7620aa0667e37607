import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { AuditEventInput } from '../audit/audit-event.input';
import { AuditService } from '../audit/audit.service';
import { DomainError } from '../common/domain-error';
import { MetricsService } from '../metrics/metrics.service';
import { failureCode, failureDescription, LoginFailure, LoginOutcome } from '../myinvois/login-outcome';
import { CredentialHealth } from '../vault/credential-health.service';
import { Lease, TokenStore } from './token-store';
import type { LoginContext } from './upstream-login';

/**
 * Writes down each login: before it is sent, the `upstream.login_attempt` audit event, durably
 * and named on the key's row (no record, no login); after the answer, the `upstream.login` or
 * `upstream.login_failed` event naming the attempt, the metric, for a failure one log line (a
 * login goes out once per back-off step, so this is once per step, never once per request), and
 * what the failure says about the credential (its last error, a degraded episode). MyInvois's
 * `correlationId` goes into each. An attempt whose holder died before its outcome was on record
 * is closed by whoever takes the key over, as `upstream.login_abandoned`.
 */
@Injectable()
export class LoginJournal {
  private readonly logger = new Logger('UpstreamLogin');

  constructor(
    private readonly audit: AuditService,
    private readonly metrics: MetricsService,
    private readonly health: CredentialHealth,
    private readonly store: TokenStore,
  ) {}

  /**
   * The attempt, on record before the request goes out: throws (audit_unavailable, or the
   * database's error) when it cannot be written, whatever AUDIT_FAIL_CLOSED says, and LeaseLost
   * when the key was taken over meanwhile. Returns the attempt's id, for its outcome.
   */
  async attempt(context: LoginContext, clientId: string, secret: number): Promise<string> {
    const attemptId = randomUUID();
    const event: AuditEventInput = {
      ...this.base(context),
      action: 'upstream.login_attempt',
      details: { attemptId, ...this.common(context, clientId, secret) },
    };
    await this.store.recordAttempt(context.lease, attemptId, (manager) => this.audit.record(manager, event));
    return attemptId;
  }

  /**
   * Taking over a key whose row still names an attempt: its holder died (or its lease ran out)
   * before the outcome was on record, so the attempt is closed as abandoned, once. Throws like
   * `attempt`: the login that follows could not be recorded either.
   */
  async abandoned(context: LoginContext, lease: Lease): Promise<void> {
    const attemptId = lease.abandonedAttemptId;
    if (!attemptId) return;
    const event: AuditEventInput = {
      ...this.base(context),
      action: 'upstream.login_abandoned',
      outcome: 'failure',
      details: {
        attemptId,
        onBehalfOf: context.key.onBehalfOf || null,
        scope: context.key.scope,
        purpose: context.purpose,
        previousHolder: lease.previousOwner ?? null,
      },
    };
    if (await this.store.abandonAttempt(lease, attemptId, (manager) => this.audit.record(manager, event))) {
      this.logger.warn({ credentialId: context.key.credentialId, tenantId: context.tenantId, attemptId }, 'closed a login attempt its holder abandoned');
    }
  }

  /**
   * `failure`: what the login threw for this answer (its Retry-After is the next attempt's wait).
   * Never throws: the login's own outcome is what matters. An outcome that cannot be written
   * leaves the attempt named on the row, to be closed as abandoned.
   */
  async record(context: LoginContext, clientId: string, secret: number, attemptId: string, outcome: LoginOutcome, failure?: unknown): Promise<void> {
    this.metrics.upstreamLogins.inc({ outcome: outcome.kind, purpose: context.purpose });
    const base = this.base(context);
    const common = { attemptId, ...this.common(context, clientId, secret), upstreamCorrelationId: outcome.correlationId };
    if (outcome.kind === 'success') {
      await this.close(context, attemptId, {
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
    await this.close(context, attemptId, {
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

  private async close(context: LoginContext, attemptId: string, event: AuditEventInput): Promise<void> {
    await this.store
      .closeAttempt(context.key, attemptId, (manager) => this.audit.record(manager, event))
      .catch((error: unknown) =>
        this.logger.warn(
          { err: error, action: event.action, attemptId },
          'could not record the outcome of a login; its attempt stays open, to be closed as abandoned',
        ),
      );
  }

  private base(context: LoginContext): Pick<AuditEventInput, 'actor' | 'tenantId' | 'target'> {
    return { actor: context.actor, tenantId: context.tenantId, target: { type: 'credential', id: context.key.credentialId } };
  }

  /** Which of the two secrets: `usedSecondary`, a name the audit's secret filter lets through. */
  private common(context: LoginContext, clientId: string, secret: number): Record<string, unknown> {
    return { clientId, onBehalfOf: context.key.onBehalfOf || null, scope: context.key.scope, usedSecondary: secret === 2, purpose: context.purpose };
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
