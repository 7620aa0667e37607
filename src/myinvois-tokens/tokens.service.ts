import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { Actor } from '../common/actor';
import { AuditService } from '../audit/audit.service';
import type { Caller } from '../common/caller';
import { systemActor } from '../common/actor';
import { DomainError, ValidationFailedError } from '../common/domain-error';
import { isDatabaseUnavailable } from '../common/postgres-errors';
import { AppConfig } from '../config/app-config';
import { DatabaseNotifications } from '../database/database-notifications';
import { MetricsService } from '../metrics/metrics.service';
import { MyInvoisError, MyInvoisErrorCode } from '../myinvois/myinvois.errors';
import { TenantError } from '../tenants/tenant.errors';
import { TenantLoginTarget, TenantsService } from '../tenants/tenants.service';
import { CredentialsService } from '../vault/credentials.service';
import { VaultError } from '../vault/vault.errors';
import { InvalidationDto, IssuedTokenDto, TenantTokenRequestDto, CredentialVerificationDto } from './dto/token.dto';
import { ListTokensQuery, TokenStatePageDto } from './dto/token-state.dto';
import { keyString, sealedField, TokenKey } from './token-key';
import { whileBusy } from './acquisition-wait';
import { backoffMs, refreshDueAt } from './refresh-policy';
import { Claim, DueToken, KeyFailure, KeyUse, Lease, LeaseLost, TokenStore } from './token-store';
import { NOTHING_SENT, TokenError, TokenErrorCode } from './tokens.errors';
import { LoginContext, UpstreamLogin, UpstreamToken } from './upstream-login';

interface CachedToken {
  accessToken: string;
  fingerprint: string;
  expiresAtMs: number;
  scope: string;
}

type TokenSource = 'memory' | 'table' | 'login';

interface Acquired {
  token: CachedToken;
  source: TokenSource;
}

/** One acquisition in this process, and the least lifetime it was started for. */
interface Flight {
  minTtlMs: number;
  result: Promise<Acquired>;
}

export type RefreshOutcome =
  | 'refreshed'
  /** No slot now, or the replica is stopping: the key stays due, for a later round or another replica. */
  | 'deferred'
  /** Nothing to do for this key (its tenant is gone, suspended or moved, or another acquisition holds it now). */
  | 'skipped'
  | 'failed';

export interface RefreshResult {
  outcome: RefreshOutcome;
  /**
   * What stopped this renewal would stop the client ID's other renewals of the round too (no
   * slot, the replica stopping, MyInvois failing, refusing or rate-limiting the client ID).
   */
  endsTurn: boolean;
}

const DEFAULT_SCOPE = 'InvoicingAPI';
/** Payload: a key string. Every replica drops that key from memory and reads the table next time. */
const TOKEN_CHANGED = 'token_changed';
const USE_FLUSH_MS = 15_000;
/** Hand-outs of one request: a token that ran low while its hand-out was audited is replaced once. */
const ISSUE_ATTEMPTS = 2;

const lasts = (token: CachedToken, minTtlMs: number): boolean => token.expiresAtMs - Date.now() >= minTtlMs;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Hands internal services a MyInvois token for a tenant. The hot path is a memory hit: no
 * upstream call and, after a caller's first request for a token, no database write. A miss
 * shares one acquisition per key in this process and, across replicas, the key's row in
 * `tokens` (advisory lock, re-read, lease), so one login serves everyone.
 */
@Injectable()
export class TokensService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(TokensService.name);
  private readonly memory = new Map<string, CachedToken>();
  /**
   * Bumped whenever keys are dropped from memory (an invalidation, another replica's new token, a
   * lost LISTEN connection), so that an acquisition that read a row before a drop does not put the
   * old token back. One counter for all keys: a drop of another key only costs a re-read.
   */
  private drops = 0;
  /** Tokens put aside when the LISTEN connection was lost: served only to repeat hand-outs while the database is out of reach. */
  private readonly unconfirmed = new Map<string, { token: CachedToken; staleUntilMs: number }>();
  private readonly inFlight = new Map<string, Flight>();
  /** `principal:fingerprint` of exposures already audited, with the token's expiry. */
  private readonly exposed = new Map<string, number>();
  private readonly uses = new Map<string, { key: TokenKey; atMs: number; minTtlSeconds: number }>();
  /** Per key, the largest minTtlSeconds the table was told of: a larger one is recorded at once, so the key comes due before that caller refuses it. */
  private readonly recordedMinTtl = new Map<string, number>();
  private useFlushTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly tenants: TenantsService,
    private readonly credentials: CredentialsService,
    private readonly store: TokenStore,
    private readonly upstream: UpstreamLogin,
    private readonly audit: AuditService,
    private readonly metrics: MetricsService,
    private readonly notifications: DatabaseNotifications,
    private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.notifications.listen(TOKEN_CHANGED, (key) => this.forget(key));
    this.useFlushTimer = setInterval(() => void this.flushUses(), USE_FLUSH_MS);
    this.useFlushTimer.unref();
  }

  /** After the HTTP server has closed (every request finished) and before the pool closes: the last uses are recorded. */
  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.useFlushTimer);
    await this.flushUses();
  }

  async issue(caller: Caller, actor: Actor, tenantId: string, request: TenantTokenRequestDto): Promise<IssuedTokenDto> {
    const target = await this.loginTarget(tenantId);
    const key = this.keyFor(target, request.scope);
    const minTtlSeconds = request.minTtlSeconds ?? this.config.tokens.minTtlSeconds;
    const minTtlMs = minTtlSeconds * 1000;
    const cacheKey = keyString(key);
    for (let attempt = 1; ; attempt++) {
      let token = this.memory.get(cacheKey);
      let source: TokenSource = 'memory';
      if (!token || !lasts(token, minTtlMs)) {
        try {
          ({ token, source } = await this.acquire(key, target, minTtlMs, actor));
        } catch (error) {
          const repeat = this.repeatDuringOutage(caller, cacheKey, minTtlMs, error);
          if (!repeat) throw error;
          token = repeat;
        }
      }
      if (lasts(token, minTtlMs)) {
        await this.recordExposure(caller, actor, target, key, token, source);
        // The audit commit may have taken a while: never hand out less than the caller's minimum.
        if (lasts(token, minTtlMs)) {
          this.recordUse(cacheKey, key, minTtlSeconds);
          this.metrics.tokenRequests.inc({ source });
          return {
            access_token: token.accessToken,
            token_type: 'Bearer',
            expires_in: Math.floor((token.expiresAtMs - Date.now()) / 1000),
            expires_at: new Date(token.expiresAtMs).toISOString(),
            scope: token.scope,
          };
        }
      }
      if (attempt >= ISSUE_ATTEMPTS) {
        this.metrics.tokenRequests.inc({ source: 'error' });
        throw new TokenError(
          TokenErrorCode.LifetimeTooShort,
          `The token has ${Math.max(0, Math.floor((token.expiresAtMs - Date.now()) / 1000))} s left by the time it can be handed out, less than minTtlSeconds asks`,
        );
      }
    }
  }

  /** The admin view of token keys (never a token). */
  list(query: ListTokensQuery): Promise<TokenStatePageDto> {
    return this.store.list(query);
  }

  /** The caller got a 401 from MyInvois with this tenant's token. */
  async invalidate(actor: Actor, tenantId: string, request: { accessToken?: string; scope?: string }): Promise<InvalidationDto> {
    const target = await this.loginTarget(tenantId, { evenIfCredentialInvalid: true });
    const key = this.keyFor(target, request.scope);
    const fingerprint = request.accessToken ? this.audit.fingerprint(request.accessToken) : null;
    const result = await this.store.invalidate(key, fingerprint, this.config.tokens.invalidateCooldownSeconds);
    if (result !== 'cooldown') {
      // Not only after `invalidated`: a replica may still hold the named token though the row no longer does
      // (`not_current`). Every replica drops the key and reads the row again.
      this.forget(keyString(key));
      await this.notifications.notify(TOKEN_CHANGED, keyString(key));
    }
    await this.audit.recordCommitted({
      actor,
      action: 'token.invalidated',
      outcome: result === 'invalidated' ? 'success' : 'failure',
      tenantId,
      target: { type: 'credential', id: key.credentialId },
      details: { result, tokenFingerprint: fingerprint, onBehalfOf: key.onBehalfOf || null, scope: key.scope },
    });
    return { invalidated: result === 'invalidated', result };
  }

  /**
   * One real login (an operator's check): sets the credential valid or invalid; the token is
   * kept. For a tenant's key it holds the key's lease like any acquisition, so it never logs in
   * beside a request or a refresh for that key.
   */
  async verifyCredential(actor: Actor, credentialId: string, tenantId: string | undefined): Promise<CredentialVerificationDto> {
    const info = await this.credentials.loginInfo(credentialId);
    if (!info) throw VaultError.notFound(credentialId);
    const targetId = tenantId ?? (info.kind === 'taxpayer' ? (await this.tenants.tenantIdsUsing(credentialId))[0] : undefined);
    if (info.kind === 'intermediary' && !targetId) {
      throw ValidationFailedError.field('tenantId', 'tenantId is required to verify an intermediary credential: the tenant to log in on behalf of');
    }
    const target = targetId ? await this.tenants.loginTarget(targetId) : null;
    if (targetId && target?.credentialId !== credentialId) {
      throw ValidationFailedError.field('tenantId', `tenantId names no tenant that logs in with credential ${credentialId}`);
    }
    const key: TokenKey = { credentialId, onBehalfOf: info.kind === 'intermediary' ? (target?.onBehalfOf ?? '') : '', scope: DEFAULT_SCOPE };
    const context = {
      key,
      tenantId: target?.id ?? null,
      expectedTin: target ? this.expectedTin(target) : null,
      purpose: 'on_demand' as const,
      actor,
      evenIfInvalid: true,
    };
    let upstream: UpstreamToken;
    try {
      // A taxpayer credential no tenant uses yet has no key anyone else could log in for.
      upstream = target ? await this.verifyUnderLease(context, target) : await this.upstream.login(context);
    } catch (error) {
      if (error instanceof TokenError && (error.code === TokenErrorCode.CredentialInvalid || error.code === TokenErrorCode.NotAuthorised)) {
        return {
          status: 'invalid',
          upstreamError: (error.details?.upstreamError as string) ?? null,
          upstreamDescription: (error.details?.upstreamDescription as string) ?? null,
          upstreamCorrelationId: (error.details?.upstreamCorrelationId as string) ?? null,
        };
      }
      throw error;
    }
    const claims = upstream.claims;
    return {
      status: 'valid',
      secretUsed: upstream.secretUsed,
      tinClaim: upstream.tinClaim,
      expectedTin: context.expectedTin,
      tinMatches: upstream.tinMatches,
      expiresInSeconds: upstream.expiresInSeconds,
      claims: {
        taxpayerTin: claims?.taxpayerTin ?? null,
        isIntermediary: claims?.isIntermediary ?? null,
        intermediaryTin: claims?.intermediaryTin ?? null,
        intermediaryRob: claims?.intermediaryRob ?? null,
        clientId: claims?.clientId ?? null,
        issuer: claims?.issuer ?? null,
        audience: claims?.audience ?? [],
        scopes: claims?.scopes ?? [],
      },
      upstreamCorrelationId: upstream.correlationId,
    };
  }

  private async verifyUnderLease(context: Omit<LoginContext, 'lease'>, target: TenantLoginTarget): Promise<UpstreamToken> {
    for (;;) {
      const claim = await this.claimPatiently(() => this.store.claimForVerification(context.key, target.id));
      try {
        const upstream = await this.upstream.login({ ...context, lease: claim.lease });
        await this.keep(claim.lease, target.id, upstream);
        return upstream;
      } catch (error) {
        if (error instanceof LeaseLost) continue;
        await this.store.release(claim.lease).catch((cleanup: unknown) => this.logger.warn({ err: cleanup }, 'could not give a lease back'));
        throw error;
      }
    }
  }

  private async loginTarget(tenantId: string, options: { evenIfCredentialInvalid?: boolean } = {}): Promise<TenantLoginTarget & { credentialId: string }> {
    const target = await this.tenants.loginTarget(tenantId);
    if (!target) throw TenantError.notFound(tenantId);
    if (target.status === 'suspended') throw new TokenError(TokenErrorCode.TenantSuspended, `Tenant ${tenantId} is suspended`);
    if (!target.credentialId) {
      throw new TokenError(TokenErrorCode.NoCredential, `Tenant ${tenantId} has no MyInvois credential; attach one with PATCH /v1/tenants/${tenantId}`);
    }
    const info = await this.credentials.loginInfo(target.credentialId);
    if (!info) throw new TokenError(TokenErrorCode.NoCredential, `Tenant ${tenantId} has no MyInvois credential`);
    if (info.status === 'invalid' && !options.evenIfCredentialInvalid)
      throw TokenError.credentialInvalid(info.id, info.lastErrorCode, info.lastErrorDescription, info.lastErrorCorrelationId);
    return target as TenantLoginTarget & { credentialId: string };
  }

  private keyFor(target: TenantLoginTarget & { credentialId: string }, scope: string | undefined): TokenKey {
    return { credentialId: target.credentialId, onBehalfOf: target.onBehalfOf ?? '', scope: scope ?? DEFAULT_SCOPE };
  }

  /** The TIN a token for this tenant should carry: the represented taxpayer's for intermediaries. */
  private expectedTin(target: TenantLoginTarget): string {
    return target.onBehalfOf ? target.onBehalfOf.split(':')[0] : target.tin;
  }

  /**
   * One acquisition per key in this process: a request joins the one in flight and, if its
   * result does not last long enough for it (started for a smaller minimum, or refused a larger
   * one), starts its own.
   */
  private async acquire(key: TokenKey, target: TenantLoginTarget, minTtlMs: number, actor: Actor): Promise<Acquired> {
    const cacheKey = keyString(key);
    for (let joined = 0; ; joined++) {
      const current = this.inFlight.get(cacheKey);
      // After joining twice in vain, run unregistered: the key's lease still keeps logins apart.
      if (!current || joined >= 2) {
        const result = this.acquireAcrossReplicas(key, target, minTtlMs, actor);
        if (!current) {
          this.inFlight.set(cacheKey, { minTtlMs, result });
          void result.finally(() => this.inFlight.delete(cacheKey)).catch(() => undefined);
        }
        return result;
      }
      try {
        const result = await current.result;
        if (lasts(result.token, minTtlMs)) return result;
      } catch (error) {
        // Another caller's larger minimum may be impossible where ours is not.
        if (!(error instanceof TokenError && error.code === TokenErrorCode.LifetimeTooShort && current.minTtlMs > minTtlMs)) throw error;
      }
    }
  }

  private async acquireAcrossReplicas(key: TokenKey, target: TenantLoginTarget, minTtlMs: number, actor: Actor): Promise<Acquired> {
    const cacheKey = keyString(key);
    for (;;) {
      const drops = this.drops;
      const claim = await this.claimPatiently(() => this.store.claim(key, target.id, minTtlMs));
      switch (claim.kind) {
        case 'stored': {
          const token: CachedToken = {
            accessToken: await this.credentials.open(key.credentialId, sealedField(key), claim.token.sealed),
            fingerprint: claim.token.fingerprint,
            expiresAtMs: claim.token.expiresAtMs,
            scope: key.scope,
          };
          // A key was dropped (invalidated, replaced) since the row was read, maybe this one: read it again rather than keep an old token.
          if (this.drops !== drops) continue;
          this.memory.set(cacheKey, token);
          return { token, source: 'table' };
        }
        case 'leased':
          try {
            return { token: await this.loginAndStore(claim.lease, target, actor, minTtlMs), source: 'login' };
          } catch (error) {
            // It ran out while we waited for a slot and another acquisition took it: its token will be in the row.
            if (error instanceof LeaseLost) continue;
            throw error;
          }
        case 'backing_off':
          throw this.stillBackingOff(key, claim.lastError, Math.max(1, Math.ceil((claim.retryAtMs - Date.now()) / 1000)));
        case 'beyond_lifetime':
          this.metrics.tokenRequests.inc({ source: 'error' });
          throw new TokenError(
            TokenErrorCode.LifetimeTooShort,
            `MyInvois issues tokens for about ${claim.lifetimeSeconds} s, not more than minTtlSeconds asks`,
            {
              lifetimeSeconds: claim.lifetimeSeconds,
            },
          );
        case 'too_recent': {
          this.metrics.tokenRequests.inc({ source: 'error' });
          const retryAfterSeconds = Math.max(1, Math.ceil((claim.retryAtMs - Date.now()) / 1000));
          throw new TokenError(
            TokenErrorCode.LifetimeTooShort,
            `The current token has ${Math.floor(claim.leftMs / 1000)} s left and is younger than TOKEN_INVALIDATE_COOLDOWN_SECONDS; a login for a longer minimum is possible in ${retryAfterSeconds} s`,
            undefined,
            retryAfterSeconds,
          );
        }
      }
    }
  }

  /**
   * Claims until no other acquisition holds the key (its token is then in the row, or its holder
   * died and the key is free), for at most LOGIN_WAIT_MAX_MS: then 503 with Retry-After.
   */
  private async claimPatiently<C extends Claim>(claim: () => Promise<C>): Promise<Exclude<C, { kind: 'busy' }>> {
    const startedMs = Date.now();
    const waitMaxMs = this.config.myinvois.loginWaitMaxMs;
    for (;;) {
      const result = await claim();
      if (result.kind !== 'busy') return result as Exclude<C, { kind: 'busy' }>;
      const verdict = whileBusy({
        startedMs,
        nowMs: Date.now(),
        leaseLeftMs: result.leaseLeftMs,
        waitMaxMs,
        deadAfterSeconds: this.config.tokens.replicaDeadAfterSeconds,
        // A little jitter so that the waiters of several replicas do not all claim on the same millisecond.
        pollMs: 50 + Math.random() * 50,
      });
      if (verdict.kind === 'give_up') {
        throw new TokenError(
          TokenErrorCode.Busy,
          `Another acquisition is still logging in for this tenant after LOGIN_WAIT_MAX_MS (${waitMaxMs} ms)`,
          undefined,
          verdict.retryAfterSeconds,
        );
      }
      await sleep(verdict.afterMs);
    }
  }

  private async loginAndStore(lease: Lease, target: TenantLoginTarget, actor: Actor, minTtlMs: number): Promise<CachedToken> {
    try {
      const upstream = await this.upstream.login({
        key: lease.key,
        tenantId: target.id,
        expectedTin: this.expectedTin(target),
        purpose: 'on_demand',
        actor,
        lease,
      });
      return await this.keep(lease, target.id, upstream, true, minTtlMs);
    } catch (error) {
      await this.afterFailedLogin(lease, error);
      throw error;
    }
  }

  /**
   * The refresher's renewal of a leased, due token: no waiting for the budget (a key without a
   * slot now stays due and is tried on a later round), back-off after transient failures. The
   * old token keeps being served meanwhile.
   */
  async refresh(due: DueToken, abort?: AbortSignal): Promise<RefreshResult> {
    const { lease } = due;
    const target = await this.tenants.loginTarget(due.tenantId);
    // Deleted, suspended or moved to another credential (or onbehalfof) since the claim: no login for it with the old one.
    if (!target || target.status !== 'active' || target.credentialId !== lease.key.credentialId || (target.onBehalfOf ?? '') !== lease.key.onBehalfOf) {
      await this.store.release(lease);
      return { outcome: 'skipped', endsTurn: false };
    }
    try {
      const upstream = await this.upstream.login({
        key: lease.key,
        tenantId: target.id,
        expectedTin: this.expectedTin(target),
        purpose: 'refresh',
        actor: systemActor('refresher'),
        waitMaxMs: 0,
        abort,
        lease,
      });
      await this.keep(lease, target.id, upstream, false);
      // Other replicas drop the old token from memory and read the new one from the table.
      await this.notifications.notify(TOKEN_CHANGED, keyString(lease.key));
      return { outcome: 'refreshed', endsTurn: false };
    } catch (error) {
      if (error instanceof LeaseLost) return { outcome: 'skipped', endsTurn: false };
      const noSlot = error instanceof MyInvoisError && error.code === MyInvoisErrorCode.BudgetExhausted;
      if (abort?.aborted || noSlot || (error instanceof TokenError && error.details?.reason === NOTHING_SENT)) {
        await this.store.release(lease);
        return { outcome: 'deferred', endsTurn: true };
      }
      await this.afterFailedLogin(lease, error, due.failures);
      // Only a taxpayer that has not authorised the intermediary concerns this key alone.
      return { outcome: 'failed', endsTurn: !(error instanceof TokenError && error.code === TokenErrorCode.NotAuthorised) };
    }
  }

  /**
   * Seals and stores a fresh token, and keeps it in memory. It comes due before the largest
   * minimum its callers asked for (`minTtlMs`: this request's) would refuse it.
   */
  private async keep(lease: Lease, tenantId: string, upstream: UpstreamToken, inUse = true, minTtlMs = 0): Promise<CachedToken> {
    const fingerprint = this.audit.fingerprint(upstream.accessToken);
    const sealed = await this.credentials.seal(lease.key.credentialId, sealedField(lease.key), upstream.accessToken);
    const expiresAtMs = upstream.expiresAt.getTime();
    await this.store.store(
      lease,
      tenantId,
      {
        sealed,
        fingerprint,
        expiresAt: upstream.expiresAt,
        // Measured to the effective expiry (`exp` may be sooner than `expires_in`).
        lifetimeSeconds: Math.round(upstream.lifetimeMs / 1000),
        refreshDueAt: refreshDueAt(expiresAtMs - upstream.lifetimeMs, expiresAtMs, this.config.refresh, Math.random(), {
          minTtlMs: Math.max(this.config.tokens.minTtlSeconds * 1000, (lease.callersMinTtlSeconds ?? 0) * 1000, minTtlMs),
          renewalMs: this.renewalMs(),
        }),
        callersMinTtlSeconds: Math.max(lease.callersMinTtlSeconds ?? 0, Math.ceil(minTtlMs / 1000)),
      },
      inUse,
    );
    const token: CachedToken = { accessToken: upstream.accessToken, fingerprint, expiresAtMs, scope: upstream.scope };
    this.memory.set(keyString(lease.key), token);
    return token;
  }

  /**
   * During a key's own back-off, a request gets the answer the failure got (with its
   * correlationId), not a vague 503: 409 for a taxpayer that has not authorised the
   * intermediary, 503 `upstream_request_refused` for a request error.
   */
  private stillBackingOff(key: TokenKey, failure: KeyFailure, retryAfterSeconds: number): TokenError {
    const facts = {
      classification: failure.classification,
      upstreamError: failure.code,
      upstreamDescription: failure.description,
      upstreamStatus: null,
      upstreamCorrelationId: failure.correlationId,
    };
    if (failure.classification === 'not_authorised') return TokenError.notAuthorised(key.onBehalfOf, facts, retryAfterSeconds);
    if (failure.classification === 'request_error') return TokenError.requestRefused(facts, retryAfterSeconds);
    return TokenError.unavailable(`the last login failed (${failure.code}); waiting before the next`, retryAfterSeconds, 'backing_off', facts);
  }

  /**
   * A failed login, written on the key. A failure of the key itself (a request error, a
   * taxpayer not authorising the intermediary) backs the key off for requests; MyInvois failing
   * the client ID is backed off by the login budget, for all its keys at once, so the key keeps
   * no wait of its own for requests. The refresher (`refreshFailures`: the token's failures so
   * far) backs off exponentially on top of either.
   */
  private async afterFailedLogin(lease: Lease, error: unknown, refreshFailures?: number): Promise<void> {
    try {
      if (error instanceof LeaseLost) return;
      const sent = error instanceof TokenError && error.details?.reason !== NOTHING_SENT && typeof error.details?.classification === 'string';
      if (!sent) {
        // Nothing reached MyInvois (a budget or back-off refusal), or a refusal already made the credential invalid.
        await this.store.release(lease);
        if (refreshFailures !== undefined && !(error instanceof DomainError)) this.logger.error({ err: error }, 'refreshing a token failed');
        return;
      }
      const details = error.details!;
      const classification = String(details.classification);
      const statedMs = (error.retryAfterSeconds ?? 0) * 1000;
      const requestsAfterMs = classification === 'transient' ? 0 : statedMs;
      const refreshAfterMs = refreshFailures === undefined ? requestsAfterMs : backoffMs(refreshFailures + 1, this.config.refresh, statedMs);
      const failure: KeyFailure = {
        code: String(details.upstreamError ?? error.code),
        classification,
        description: typeof details.upstreamDescription === 'string' ? details.upstreamDescription : null,
        correlationId: typeof details.upstreamCorrelationId === 'string' ? details.upstreamCorrelationId : null,
      };
      await this.store.recordFailure(lease, failure, { requestsAfterMs, refreshAfterMs });
    } catch (cleanup) {
      // The lease expires on its own; the login's own error is what matters.
      this.logger.warn({ err: cleanup }, 'could not record a failed login');
    }
  }

  /** Drops a key (null: every key) from memory, so that the next request reads the row. */
  private forget(cacheKey: string | null): void {
    if (cacheKey === null) {
      // Nothing is known to have changed: the tokens wait aside, for repeat hand-outs if the database is out of reach.
      const staleUntilMs = Date.now() + this.config.database.staleIfErrorSeconds * 1000;
      for (const [key, token] of this.memory) this.unconfirmed.set(key, { token, staleUntilMs });
      this.memory.clear();
    } else {
      this.memory.delete(cacheKey);
      this.unconfirmed.delete(cacheKey);
    }
    this.drops += 1;
  }

  /**
   * While PostgreSQL cannot be reached, a caller that already received a token (its exposure is
   * committed) gets it again from memory while it lasts; a first hand-out needs the database.
   */
  private repeatDuringOutage(caller: Caller, cacheKey: string, minTtlMs: number, error: unknown): CachedToken | undefined {
    if (!isDatabaseUnavailable(error)) return undefined;
    const token = this.memory.get(cacheKey) ?? this.unconfirmedToken(cacheKey);
    if (!token || !lasts(token, minTtlMs) || !this.exposed.has(`${caller.principalId}:${token.fingerprint}`)) return undefined;
    this.metrics.tokenRepeatExposures.inc();
    return token;
  }

  private unconfirmedToken(cacheKey: string): CachedToken | undefined {
    const aside = this.unconfirmed.get(cacheKey);
    if (aside && aside.staleUntilMs > Date.now()) return aside.token;
    this.unconfirmed.delete(cacheKey);
    return undefined;
  }

  /** `token.issued` once per caller and token, durably, before the token goes out. */
  private async recordExposure(caller: Caller, actor: Actor, target: TenantLoginTarget, key: TokenKey, token: CachedToken, source: TokenSource): Promise<void> {
    const exposure = `${caller.principalId}:${token.fingerprint}`;
    if (this.exposed.has(exposure)) {
      this.metrics.tokenRepeatExposures.inc();
      return;
    }
    const recorded = await this.audit.recordCommitted(
      {
        actor,
        action: 'token.issued',
        tenantId: target.id,
        target: { type: 'credential', id: key.credentialId },
        details: {
          tokenFingerprint: token.fingerprint,
          onBehalfOf: key.onBehalfOf || null,
          scope: key.scope,
          expiresAt: new Date(token.expiresAtMs),
          source,
        },
      },
      { principalId: caller.principalId, fingerprint: token.fingerprint, expiresAt: new Date(token.expiresAtMs) },
    );
    if (recorded) this.exposed.set(exposure, token.expiresAtMs);
  }

  /**
   * From the due time to a stored token: up to a refresh round's wait, then a login that may
   * take up to MYINVOIS_TIMEOUT_MS.
   */
  private renewalMs(): number {
    return this.config.refresh.intervalMs + this.config.myinvois.timeoutMs;
  }

  /** Per request, in memory only; a minimum larger than the table knows is written at once. */
  private recordUse(cacheKey: string, key: TokenKey, minTtlSeconds: number): void {
    const use = this.uses.get(cacheKey);
    if (use) {
      use.atMs = Date.now();
      if (minTtlSeconds > use.minTtlSeconds) use.minTtlSeconds = minTtlSeconds;
    } else {
      this.uses.set(cacheKey, { key, atMs: Date.now(), minTtlSeconds });
    }
    if (minTtlSeconds > (this.recordedMinTtl.get(cacheKey) ?? this.config.tokens.minTtlSeconds)) {
      this.recordedMinTtl.set(cacheKey, minTtlSeconds);
      void this.writeUses([{ key, at: new Date(), minTtlSeconds }]);
    }
  }

  private async flushUses(): Promise<void> {
    const now = Date.now();
    for (const [exposure, expiresAtMs] of this.exposed) if (expiresAtMs < now) this.exposed.delete(exposure);
    for (const [key, aside] of this.unconfirmed) if (aside.staleUntilMs < now || aside.token.expiresAtMs < now) this.unconfirmed.delete(key);
    if (this.uses.size === 0) return;
    const batch = [...this.uses.values()].map((use) => ({ key: use.key, at: new Date(use.atMs), minTtlSeconds: use.minTtlSeconds }));
    this.uses.clear();
    await this.writeUses(batch);
  }

  /** The refresher reads last uses against REFRESH_ACTIVE_WINDOW_SECONDS: a tenth of it is precise enough. */
  private writeUses(batch: KeyUse[]): Promise<void> {
    const precisionSeconds = Math.min(300, this.config.refresh.activeWindowSeconds / 10);
    return this.store
      .touch(batch, precisionSeconds, this.renewalMs() / 1000)
      .catch((error: unknown) => this.logger.warn({ err: error }, 'could not record token use'));
  }
}
