import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { Actor } from '../audit/actor';
import { AuditService } from '../audit/audit.service';
import type { Caller } from '../auth/caller';
import { systemActor } from '../audit/actor';
import { DomainError, ValidationFailedError } from '../common/domain-error';
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
import { backoffMs, refreshDueAt } from './refresh-policy';
import { DueToken, TokenStore } from './token-store';
import { TokenError, TokenErrorCode } from './tokens.errors';
import { UpstreamLogin, UpstreamToken } from './upstream-login';

interface CachedToken {
  accessToken: string;
  fingerprint: string;
  expiresAtMs: number;
  scope: string;
}

type TokenSource = 'memory' | 'table' | 'login';

const DEFAULT_SCOPE = 'InvoicingAPI';
/** Payload: a key string. Every replica drops that key from memory and reads the table next time. */
const TOKEN_CHANGED = 'token_changed';
const USE_FLUSH_MS = 15_000;
/** After the taxpayer refused an intermediary: try again at most this often. */
const NOT_AUTHORISED_RETRY_MS = 5 * 60_000;

/**
 * Hands internal services a MyInvois token for a tenant. The hot path is a memory hit: no
 * upstream call and, after a caller's first request for a token, no database write. A miss
 * shares one acquisition per key in this process and, across replicas, the key's row in
 * `tokens` (advisory lock, re-read, lease), so one login serves everyone.
 */
@Injectable()
export class TokensService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(TokensService.name);
  private readonly memory = new Map<string, CachedToken>();
  private readonly inFlight = new Map<string, Promise<{ token: CachedToken; source: TokenSource }>>();
  /** `principal:fingerprint` of exposures already audited, with the token's expiry. */
  private readonly exposed = new Map<string, number>();
  private readonly uses = new Map<string, { key: TokenKey; at: Date }>();
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
    await this.notifications.listen(TOKEN_CHANGED, (key) => (key === null ? this.memory.clear() : this.memory.delete(key)));
    this.useFlushTimer = setInterval(() => void this.flushUses(), USE_FLUSH_MS);
    this.useFlushTimer.unref();
  }

  /** Before the pool closes (HTTP requests are still finishing; their uses are recorded next start at worst). */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.useFlushTimer);
    await this.flushUses();
  }

  async issue(caller: Caller, actor: Actor, tenantId: string, request: TenantTokenRequestDto): Promise<IssuedTokenDto> {
    const target = await this.loginTarget(tenantId);
    const key = this.keyFor(target, request.scope);
    const minTtlMs = (request.minTtlSeconds ?? this.config.tokens.minTtlSeconds) * 1000;
    const cacheKey = keyString(key);

    let token = this.memory.get(cacheKey);
    let source: TokenSource = 'memory';
    if (!token || token.expiresAtMs - Date.now() < minTtlMs) {
      ({ token, source } = await this.acquire(key, target, minTtlMs, actor));
      if (token.expiresAtMs - Date.now() < minTtlMs) {
        this.metrics.tokenRequests.inc({ source: 'error' });
        throw new TokenError(
          TokenErrorCode.LifetimeTooShort,
          `MyInvois issues tokens for ${Math.floor((token.expiresAtMs - Date.now()) / 1000)} s, less than minTtlSeconds asks`,
        );
      }
    }
    await this.recordExposure(caller, actor, target, key, token, source);
    this.uses.set(cacheKey, { key, at: new Date() });
    this.metrics.tokenRequests.inc({ source });
    return {
      access_token: token.accessToken,
      token_type: 'Bearer',
      expires_in: Math.floor((token.expiresAtMs - Date.now()) / 1000),
      expires_at: new Date(token.expiresAtMs).toISOString(),
      scope: token.scope,
    };
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
    if (result === 'invalidated') {
      this.memory.delete(keyString(key));
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

  /** One real login (an operator's check): sets the credential valid or invalid; the token is kept. */
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
    let upstream: UpstreamToken;
    try {
      upstream = await this.upstream.login({ key, tenantId: target?.id ?? null, expectedTin: target ? this.expectedTin(target) : null, purpose: 'on_demand', actor, evenIfInvalid: true });
    } catch (error) {
      if (error instanceof TokenError && (error.code === TokenErrorCode.CredentialInvalid || error.code === TokenErrorCode.NotAuthorised)) {
        return { status: 'invalid', upstreamError: (error.details?.upstreamError as string) ?? null, upstreamDescription: (error.details?.upstreamDescription as string) ?? null };
      }
      throw error;
    }
    if (target) await this.keep(key, target.id, upstream);
    return {
      status: 'valid',
      secretUsed: upstream.secretUsed,
      tinClaim: upstream.tinClaim,
      expectedTin: target ? this.expectedTin(target) : null,
      tinMatches: upstream.tinMatches,
      expiresInSeconds: upstream.expiresInSeconds,
    };
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
    if (info.status === 'invalid' && !options.evenIfCredentialInvalid) throw TokenError.credentialInvalid(info.id, info.lastErrorCode, info.lastErrorDescription);
    return target as TenantLoginTarget & { credentialId: string };
  }

  private keyFor(target: TenantLoginTarget & { credentialId: string }, scope: string | undefined): TokenKey {
    return { credentialId: target.credentialId, onBehalfOf: target.onBehalfOf ?? '', scope: scope ?? DEFAULT_SCOPE };
  }

  /** The TIN a token for this tenant should carry: the represented taxpayer's for intermediaries. */
  private expectedTin(target: TenantLoginTarget): string {
    return target.onBehalfOf ? target.onBehalfOf.split(':')[0] : target.tin;
  }

  /** One acquisition per key in this process; waiters with a stricter minimum try again. */
  private async acquire(key: TokenKey, target: TenantLoginTarget, minTtlMs: number, actor: Actor): Promise<{ token: CachedToken; source: TokenSource }> {
    const cacheKey = keyString(key);
    for (let attempt = 0; ; attempt++) {
      let flight = this.inFlight.get(cacheKey);
      const ours = !flight;
      if (!flight) {
        flight = this.acquireAcrossReplicas(key, target, minTtlMs, actor).finally(() => this.inFlight.delete(cacheKey));
        this.inFlight.set(cacheKey, flight);
      }
      const result = await flight;
      if (ours || attempt > 0 || result.token.expiresAtMs - Date.now() >= minTtlMs) return result;
    }
  }

  private async acquireAcrossReplicas(key: TokenKey, target: TenantLoginTarget, minTtlMs: number, actor: Actor): Promise<{ token: CachedToken; source: TokenSource }> {
    const deadline = Date.now() + (this.config.tokens.leaseSeconds + 5) * 1000;
    for (;;) {
      const claim = await this.store.claim(key, target.id, minTtlMs);
      switch (claim.kind) {
        case 'stored': {
          const token: CachedToken = {
            accessToken: await this.credentials.open(key.credentialId, sealedField(key), claim.token.sealed),
            fingerprint: claim.token.fingerprint,
            expiresAtMs: claim.token.expiresAtMs,
            scope: key.scope,
          };
          this.memory.set(keyString(key), token);
          return { token, source: 'table' };
        }
        case 'leased':
          return { token: await this.loginAndStore(key, target, actor), source: 'login' };
        case 'backing_off':
          throw TokenError.unavailable(`the last login failed (${claim.lastErrorCode ?? 'error'}); waiting before the next`, Math.max(1, Math.ceil((claim.retryAtMs - Date.now()) / 1000)));
        case 'busy':
          if (Date.now() > deadline) throw new TokenError(TokenErrorCode.Busy, 'Another replica is still logging in for this tenant', undefined, 2);
          // Another replica holds the lease: its token will appear in the row shortly.
          await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 50));
      }
    }
  }

  private async loginAndStore(key: TokenKey, target: TenantLoginTarget, actor: Actor): Promise<CachedToken> {
    try {
      const upstream = await this.upstream.login({ key, tenantId: target.id, expectedTin: this.expectedTin(target), purpose: 'on_demand', actor });
      return await this.keep(key, target.id, upstream);
    } catch (error) {
      await this.afterFailedLogin(key, error);
      throw error;
    }
  }

  /**
   * The refresher's renewal of a leased, due token: no waiting for the budget (a key without a
   * slot now stays due and is tried on a later round), back-off after transient failures. The
   * old token keeps being served meanwhile.
   */
  async refresh(due: DueToken, abort?: AbortSignal): Promise<'refreshed' | 'deferred' | 'failed'> {
    const target = await this.tenants.loginTarget(due.tenantId);
    if (!target) {
      await this.store.release(due.key);
      return 'deferred';
    }
    try {
      const upstream = await this.upstream.login({
        key: due.key,
        tenantId: target.id,
        expectedTin: this.expectedTin(target),
        purpose: 'refresh',
        actor: systemActor('refresher'),
        waitMaxMs: 0,
        abort,
      });
      await this.keep(due.key, target.id, upstream, false);
      // Other replicas drop the old token from memory and read the new one from the table.
      await this.notifications.notify(TOKEN_CHANGED, keyString(due.key));
      return 'refreshed';
    } catch (error) {
      // No slot now, or our replica is stopping: the key stays due for a later round or another replica.
      if (abort?.aborted || (error instanceof MyInvoisError && error.code === MyInvoisErrorCode.BudgetExhausted)) {
        await this.store.release(due.key);
        return 'deferred';
      }
      const retryAfterMs = error instanceof DomainError && error.retryAfterSeconds ? error.retryAfterSeconds * 1000 : 0;
      if (error instanceof TokenError && (error.code === TokenErrorCode.Unavailable || error.code === TokenErrorCode.UpstreamRefusedRequest)) {
        await this.store.recordFailure(due.key, String(error.details?.reason ?? error.code), backoffMs(due.failures + 1, this.config.refresh, retryAfterMs));
      } else if (error instanceof TokenError && error.code === TokenErrorCode.NotAuthorised) {
        await this.store.recordFailure(due.key, 'unauthorized_client', NOT_AUTHORISED_RETRY_MS);
      } else {
        // Permanent refusals already made the credential invalid, which ends its refreshes.
        await this.store.release(due.key);
        if (!(error instanceof DomainError)) this.logger.error({ err: error }, 'refreshing a token failed');
      }
      return 'failed';
    }
  }

  /** Seals and stores a fresh token, and keeps it in memory. */
  private async keep(key: TokenKey, tenantId: string, upstream: UpstreamToken, inUse = true): Promise<CachedToken> {
    const fingerprint = this.audit.fingerprint(upstream.accessToken);
    const sealed = await this.credentials.seal(key.credentialId, sealedField(key), upstream.accessToken);
    const refreshDue = refreshDueAt(Date.now(), upstream.expiresInSeconds, this.config.refresh);
    await this.store.store(
      key,
      tenantId,
      { sealed, fingerprint, expiresAt: upstream.expiresAt, lifetimeSeconds: upstream.expiresInSeconds, refreshDueAt: refreshDue },
      inUse,
    );
    const token: CachedToken = { accessToken: upstream.accessToken, fingerprint, expiresAtMs: upstream.expiresAt.getTime(), scope: upstream.scope };
    this.memory.set(keyString(key), token);
    return token;
  }

  private async afterFailedLogin(key: TokenKey, error: unknown): Promise<void> {
    try {
      if (error instanceof TokenError && (error.code === TokenErrorCode.Unavailable || error.code === TokenErrorCode.UpstreamRefusedRequest)) {
        await this.store.recordFailure(key, String(error.details?.reason ?? error.code), (error.retryAfterSeconds ?? 5) * 1000);
      } else if (error instanceof TokenError && error.code === TokenErrorCode.NotAuthorised) {
        await this.store.recordFailure(key, 'unauthorized_client', NOT_AUTHORISED_RETRY_MS);
      } else {
        await this.store.release(key);
      }
    } catch (cleanup) {
      // The lease expires on its own; the request's own error is what the caller needs.
      this.logger.warn({ err: cleanup }, 'could not record a failed login');
    }
  }

  /** `token.issued` once per caller and token, durably, before the token goes out. */
  private async recordExposure(caller: Caller, actor: Actor, target: TenantLoginTarget, key: TokenKey, token: CachedToken, source: TokenSource): Promise<void> {
    const exposure = `${caller.principalId}:${token.fingerprint}`;
    if (this.exposed.has(exposure)) {
      this.metrics.tokenRepeatExposures.inc();
      return;
    }
    await this.audit.recordCommitted(
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
      { principalId: caller.principalId, fingerprint: token.fingerprint },
    );
    this.exposed.set(exposure, token.expiresAtMs);
  }

  private async flushUses(): Promise<void> {
    const now = Date.now();
    for (const [exposure, expiresAtMs] of this.exposed) if (expiresAtMs < now) this.exposed.delete(exposure);
    if (this.uses.size === 0) return;
    const batch = [...this.uses.values()];
    this.uses.clear();
    await this.store.touch(batch).catch((error: unknown) => this.logger.warn({ err: error }, 'could not record token use'));
  }
}
