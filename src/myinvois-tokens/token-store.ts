import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { isIsoTimestamp, isPlainText, isUuid } from '../common/formats';
import { Cursor, DEFAULT_PAGE_SIZE, Page, toPage } from '../common/pagination';
import { LoginBudget } from '../myinvois/login-budget';
import { ListTokensQuery, TokenState, TokenStateDto } from './dto/token-state.dto';
import { ReplicaHeartbeat } from './replica-heartbeat';
import { advisoryLockId, TokenKey } from './token-key';

/** A token as stored: still sealed. */
export interface StoredToken {
  sealed: Buffer;
  fingerprint: string;
  expiresAtMs: number;
}

/** One acquisition's right to log in for a key: the row's `lease_id` while it is still this one's. */
export interface Lease {
  key: TokenKey;
  id: string;
  /** The key's failed logins in a row when the lease was taken: its back-off after the next one grows from there. */
  failures?: number;
  /** The largest minimum lifetime the key's callers asked for, as the row knew it when the lease was taken. */
  callersMinTtlSeconds?: number;
  /** A login attempt the row still named when the lease was taken: its holder died before its outcome was on record. */
  abandonedAttemptId?: string;
  /** Who held the key before, when it left an attempt open. */
  previousOwner?: string | null;
}

/** A key used since the last flush, and the largest minTtlSeconds asked of it meanwhile. */
export interface KeyUse {
  key: TokenKey;
  at: Date;
  minTtlSeconds: number;
}

/** What an audit write inside a store transaction needs: the transaction itself. */
export type WriteInTransaction = (manager: EntityManager) => Promise<void>;

/** Another acquisition closed the attempt first: the event written meanwhile is rolled back. */
class AlreadyClosed extends Error {}

/** The lease went to another acquisition (it ran out while this one waited): this one must not log in. */
export class LeaseLost extends Error {
  constructor() {
    super('the lease on this token key was taken over');
  }
}

export interface DueToken {
  lease: Lease;
  tenantId: string;
  failures: number;
  expiresAtMs: number | null;
}

export type Claim =
  /** The row holds a token with enough life left (maybe another replica just stored it). */
  | { kind: 'stored'; token: StoredToken }
  /** This acquisition holds the key's lease: it logs in and stores the result. */
  | { kind: 'leased'; lease: Lease }
  /** Another acquisition (another replica, the refresher, a verification) is logging in for this key right now. */
  | { kind: 'busy'; leaseLeftMs: number }
  /** A recent failure of this key (a request error, a taxpayer not authorising it): no new attempt before `retryAtMs`. */
  | { kind: 'backing_off'; retryAtMs: number; lastError: KeyFailure }
  /** Even a fresh token would not live that long: MyInvois gives about `lifetimeSeconds`. */
  | { kind: 'beyond_lifetime'; lifetimeSeconds: number }
  /** The token is younger than the invalidate cooldown and fine for ordinary callers: no new login for a longer minimum yet. */
  | { kind: 'too_recent'; leftMs: number; retryAtMs: number };

/** What the last failed login of a key was, as the key keeps it. */
export interface KeyFailure {
  code: string;
  classification: string;
  description: string | null;
  correlationId: string | null;
}

/** After a failed login: when requests may try again, and when the refresher may. */
export interface Retry {
  /** The key's own back-off (0 when the failure was the client ID's, which the login budget backs off). */
  requestsAfterMs: number;
  /** The refresher's own, longer back-off. */
  refreshAfterMs: number;
}

interface ClaimRow {
  access_token: Buffer | null;
  fingerprint: string | null;
  expires_at: string | null;
  acquired_at: string | null;
  lifetime_seconds: number | null;
  lease_until: string | null;
  lease_held: boolean;
  lease_owner: string | null;
  login_attempt_id: string | null;
  next_attempt_at: string | null;
  failures: number;
  last_error_code: string | null;
  last_error_classification: string | null;
  last_error_description: string | null;
  last_error_correlation_id: string | null;
  callers_min_ttl_seconds: number;
  now: string;
}

const PK = 'credential_id = $1 AND on_behalf_of = $2 AND scope = $3';

/**
 * The `tokens` table: the cross-replica half of single flight. A claim takes the key's
 * advisory lock, re-reads the row (another replica may have stored a fresh token a moment
 * ago) and, if a login is needed, takes the row's lease before releasing the lock; the login
 * itself runs outside any transaction, so no connection is held while MyInvois answers.
 * A lease is one acquisition's (`lease_id`), not the process's: the refresher, a request and a
 * verification in the same replica exclude each other like those of different replicas. It is
 * held while it has not run out and its owner's heartbeat is fresh (ReplicaHeartbeat): a
 * replica that dies frees its keys within REPLICA_DEAD_AFTER_SECONDS.
 */
@Injectable()
export class TokenStore {
  /** This process, as shown to admins while it holds a lease, and as its heartbeat names it. */
  readonly owner: string;
  /** A lease confirmed right before a login covers the whole login, however short TOKEN_LEASE_SECONDS is. */
  readonly loginLeaseSeconds: number;
  /** Extended again once MyInvois has answered: covers the audit write (it waits up to AUDIT_WRITE_TIMEOUT_MS), sealing and storing. */
  readonly storingLeaseSeconds: number;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly heartbeat: ReplicaHeartbeat,
  ) {
    this.owner = heartbeat.owner;
    this.loginLeaseSeconds = Math.max(config.tokens.leaseSeconds, Math.ceil(config.myinvois.timeoutMs / 1000) + 2);
    this.storingLeaseSeconds = Math.max(config.tokens.leaseSeconds, Math.ceil(config.audit.writeTimeoutMs / 1000) + 2);
  }

  /** For a request that needs a token with `minTtlMs` left. */
  async claim(key: TokenKey, tenantId: string | null, minTtlMs: number): Promise<Claim> {
    return this.underKeyLock(key, tenantId, async (manager, row) => {
      const now = row ? Number(row.now) : Date.now();
      if (row?.access_token && Number(row.expires_at) - now >= minTtlMs) {
        return { kind: 'stored', token: { sealed: row.access_token, fingerprint: String(row.fingerprint), expiresAtMs: Number(row.expires_at) } };
      }
      // No login for what a login cannot give: a caller's large minTtlSeconds would otherwise spend the budget for nothing.
      const lifetimeSeconds = row?.lifetime_seconds ?? (await this.knownLifetimeSeconds(manager, key.credentialId));
      if (lifetimeSeconds !== null && minTtlMs >= lifetimeSeconds * 1000) return { kind: 'beyond_lifetime', lifetimeSeconds };
      if (row?.access_token && row.acquired_at) {
        const retryAtMs = Number(row.acquired_at) + this.config.tokens.invalidateCooldownSeconds * 1000;
        const leftMs = Number(row.expires_at) - now;
        if (retryAtMs > now && leftMs >= this.config.tokens.minTtlSeconds * 1000) return { kind: 'too_recent', leftMs, retryAtMs };
      }
      const busy = busyWhileHeld(row);
      if (busy) return busy;
      if (row?.next_attempt_at && Number(row.next_attempt_at) > now) {
        return {
          kind: 'backing_off',
          retryAtMs: Number(row.next_attempt_at),
          lastError: {
            code: row.last_error_code ?? 'error',
            classification: row.last_error_classification ?? 'transient',
            description: row.last_error_description,
            correlationId: row.last_error_correlation_id,
          },
        };
      }
      return undefined;
    });
  }

  /** For an operator's verification: a real login whatever the row holds, but never beside another acquisition. */
  async claimForVerification(key: TokenKey, tenantId: string | null): Promise<Extract<Claim, { kind: 'leased' | 'busy' }>> {
    const claim = await this.underKeyLock(key, tenantId, async (_manager, row) => busyWhileHeld(row));
    return claim as Extract<Claim, { kind: 'leased' | 'busy' }>;
  }

  /** The key's row read under its advisory lock; when `decide` answers nothing, the lease is taken. */
  private async underKeyLock(
    key: TokenKey,
    tenantId: string | null,
    decide: (manager: EntityManager, row: ClaimRow | undefined) => Promise<Claim | undefined>,
  ): Promise<Claim> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [advisoryLockId(key)]);
      const [row] = (await manager.query(
        `SELECT access_token, fingerprint, extract(epoch FROM expires_at) * 1000 AS expires_at, extract(epoch FROM acquired_at) * 1000 AS acquired_at,
                lifetime_seconds, extract(epoch FROM lease_until) * 1000 AS lease_until, ${this.heartbeat.leaseHeldSql('t')} AS lease_held,
                lease_owner, login_attempt_id, extract(epoch FROM next_attempt_at) * 1000 AS next_attempt_at,
                failures, last_error_code, last_error_classification, last_error_description, last_error_correlation_id,
                callers_min_ttl_seconds, extract(epoch FROM clock_timestamp()) * 1000 AS now
           FROM tokens t WHERE ${PK} FOR UPDATE OF t`,
        [key.credentialId, key.onBehalfOf, key.scope],
      )) as ClaimRow[];
      const decided = await decide(manager, row);
      if (decided) return decided;
      const [leased] = (await manager.query(
        `INSERT INTO tokens (credential_id, on_behalf_of, scope, tenant_id, lease_owner, lease_id, lease_until)
         VALUES ($1, $2, $3, $4, $5, gen_random_uuid(), clock_timestamp() + make_interval(secs => $6))
         ON CONFLICT (credential_id, on_behalf_of, scope) DO UPDATE
           SET lease_owner = excluded.lease_owner, lease_id = excluded.lease_id, lease_until = excluded.lease_until,
               tenant_id = coalesce(excluded.tenant_id, tokens.tenant_id), updated_at = now()
         RETURNING lease_id`,
        [key.credentialId, key.onBehalfOf, key.scope, tenantId, this.owner, this.config.tokens.leaseSeconds],
      )) as Array<{ lease_id: string }>;
      const abandoned = row?.login_attempt_id ? { abandonedAttemptId: row.login_attempt_id, previousOwner: row.lease_owner } : {};
      return {
        kind: 'leased',
        lease: { key, id: leased.lease_id, failures: row?.failures ?? 0, callersMinTtlSeconds: row?.callers_min_ttl_seconds ?? 0, ...abandoned },
      };
    });
  }

  /** What a login of this credential gave last (any key): tokens of one client ID live alike. */
  private async knownLifetimeSeconds(manager: EntityManager, credentialId: string): Promise<number | null> {
    const [row] = (await manager.query(
      `SELECT lifetime_seconds FROM tokens WHERE credential_id = $1 AND lifetime_seconds IS NOT NULL ORDER BY acquired_at DESC NULLS LAST LIMIT 1`,
      [credentialId],
    )) as Array<{ lifetime_seconds: number }>;
    return row?.lifetime_seconds ?? null;
  }

  /**
   * Right before a login goes out: is the lease still this acquisition's? If so it is extended to
   * cover the login. A lease that ran out but was not taken over is still ours.
   */
  confirmLease(lease: Lease, manager: EntityManager = this.dataSource.manager): Promise<boolean> {
    return this.extendLease(lease, this.loginLeaseSeconds, manager);
  }

  /**
   * MyInvois has answered: the lease is extended over what is left before the token is stored,
   * so that a slow audit write cannot let another acquisition take the key and log in again.
   * False if it was taken over already (the token is stored anyway: both are valid).
   */
  holdForStoring(lease: Lease): Promise<boolean> {
    return this.extendLease(lease, this.storingLeaseSeconds, this.dataSource.manager);
  }

  private async extendLease(lease: Lease, seconds: number, manager: EntityManager): Promise<boolean> {
    const rows = (await manager.query(
      `UPDATE tokens SET lease_until = greatest(lease_until, clock_timestamp() + make_interval(secs => $5))
        WHERE ${PK} AND lease_id = $4 RETURNING 1`,
      [lease.key.credentialId, lease.key.onBehalfOf, lease.key.scope, lease.id, seconds],
    )) as [unknown[], number];
    return rows[1] > 0;
  }

  /**
   * Stores a fresh token and gives the lease back, if it is still this acquisition's (one taken
   * over meanwhile stays with its holder; both tokens are valid). `inUse`: a request asked for
   * it, so it counts as used now; a refresh leaves `last_used_at` alone, or refreshing would
   * keep a token "in use" for ever.
   */
  async store(
    lease: Lease,
    tenantId: string | null,
    token: { sealed: Buffer; fingerprint: string; expiresAt: Date; lifetimeSeconds: number; refreshDueAt: Date | null; callersMinTtlSeconds: number },
    inUse: boolean,
  ): Promise<void> {
    const { key } = lease;
    await this.dataSource.query(
      `INSERT INTO tokens (credential_id, on_behalf_of, scope, tenant_id, access_token, fingerprint, expires_at, acquired_at, lifetime_seconds,
                          refresh_due_at, last_used_at, callers_min_ttl_seconds)
       VALUES ($1, $2, $3, $4, $5, $6, $7, clock_timestamp(), $8, $9, CASE WHEN $10 THEN clock_timestamp() END, $12)
       ON CONFLICT (credential_id, on_behalf_of, scope) DO UPDATE
         SET access_token = excluded.access_token, fingerprint = excluded.fingerprint, expires_at = excluded.expires_at,
             acquired_at = excluded.acquired_at, lifetime_seconds = excluded.lifetime_seconds, refresh_due_at = excluded.refresh_due_at,
             tenant_id = coalesce(excluded.tenant_id, tokens.tenant_id),
             lease_owner = CASE WHEN tokens.lease_id = $11 THEN NULL ELSE tokens.lease_owner END,
             lease_until = CASE WHEN tokens.lease_id = $11 THEN NULL ELSE tokens.lease_until END,
             lease_id = CASE WHEN tokens.lease_id = $11 THEN NULL ELSE tokens.lease_id END,
             failures = 0, next_attempt_at = NULL, refresh_next_attempt_at = NULL, last_error_code = NULL, last_error_at = NULL,
             last_error_classification = NULL, last_error_description = NULL, last_error_correlation_id = NULL,
             last_used_at = coalesce(excluded.last_used_at, tokens.last_used_at),
             callers_min_ttl_seconds = greatest(excluded.callers_min_ttl_seconds, tokens.callers_min_ttl_seconds), updated_at = now()`,
      [
        key.credentialId,
        key.onBehalfOf,
        key.scope,
        tenantId,
        token.sealed,
        token.fingerprint,
        token.expiresAt,
        token.lifetimeSeconds,
        token.refreshDueAt,
        inUse,
        lease.id,
        token.callersMinTtlSeconds,
      ],
    );
  }

  /**
   * Leases due tokens for refresh: used within the active window, credential not invalid, tenant
   * still active on it, not leased, not backing off. Per client ID the soonest to expire first,
   * and no more than its budget can renew now (less the renewals already leased), so a client ID
   * without budget takes no place in the batch of one with budget. SKIP LOCKED: replicas
   * claiming at the same moment get different tokens. Joins the tenants, credentials and budget
   * tables directly: one statement, because the claim must be atomic.
   */
  async claimDue(limit: number, activeWindowSeconds: number): Promise<DueToken[]> {
    const rows = (await this.dataSource.query(
      `WITH candidates AS (
         SELECT t.credential_id, t.on_behalf_of, t.scope, t.expires_at
           FROM ${RENEWABLE_TOKENS}
            AND t.refresh_due_at <= clock_timestamp()
            AND NOT ${this.heartbeat.leaseHeldSql('t')}),
       room AS (
         SELECT c.id AS credential_id,
                ${LoginBudget.refreshSlotsSql('$5')}
                - (SELECT count(*) FROM tokens l WHERE l.credential_id = c.id AND ${this.heartbeat.leaseHeldSql('l')}) AS slots
           FROM credentials c
          WHERE c.id IN (SELECT credential_id FROM candidates)),
       ranked AS (
         SELECT d.credential_id, d.on_behalf_of, d.scope, r.slots,
                row_number() OVER (PARTITION BY d.credential_id ORDER BY d.expires_at ASC NULLS FIRST) AS rank
           FROM candidates d JOIN room r ON r.credential_id = d.credential_id AND r.slots > 0),
       due AS (
         SELECT t.credential_id, t.on_behalf_of, t.scope
           FROM tokens t JOIN ranked r ON r.credential_id = t.credential_id AND r.on_behalf_of = t.on_behalf_of AND r.scope = t.scope
          WHERE r.rank <= r.slots AND NOT ${this.heartbeat.leaseHeldSql('t')}
          ORDER BY r.rank, t.expires_at ASC NULLS FIRST
          LIMIT $2
          FOR UPDATE OF t SKIP LOCKED)
       UPDATE tokens t SET lease_owner = $3, lease_id = gen_random_uuid(), lease_until = clock_timestamp() + make_interval(secs => $4)
         FROM due, tokens before
        WHERE t.credential_id = due.credential_id AND t.on_behalf_of = due.on_behalf_of AND t.scope = due.scope
          AND before.credential_id = t.credential_id AND before.on_behalf_of = t.on_behalf_of AND before.scope = t.scope
       RETURNING t.credential_id, t.on_behalf_of, t.scope, t.lease_id, t.tenant_id, t.failures, t.callers_min_ttl_seconds,
                 extract(epoch FROM t.expires_at) * 1000 AS expires_at, t.login_attempt_id, before.lease_owner AS previous_owner`,
      [activeWindowSeconds, limit, this.owner, this.config.tokens.leaseSeconds, this.config.myinvois.onDemandReserve],
    )) as [
      Array<{
        credential_id: string;
        on_behalf_of: string;
        scope: string;
        lease_id: string;
        tenant_id: string;
        failures: number;
        callers_min_ttl_seconds: number;
        expires_at: string | null;
        login_attempt_id: string | null;
        previous_owner: string | null;
      }>,
      number,
    ];
    return rows[0]
      .map((row) => ({
        lease: {
          key: { credentialId: row.credential_id, onBehalfOf: row.on_behalf_of, scope: row.scope },
          id: row.lease_id,
          failures: row.failures,
          callersMinTtlSeconds: row.callers_min_ttl_seconds,
          ...(row.login_attempt_id ? { abandonedAttemptId: row.login_attempt_id, previousOwner: row.previous_owner } : {}),
        },
        tenantId: row.tenant_id,
        failures: row.failures,
        expiresAtMs: row.expires_at === null ? null : Number(row.expires_at),
      }))
      .sort((a, b) => (a.expiresAtMs ?? 0) - (b.expiresAtMs ?? 0));
  }

  /** For the budget forecast: per credential, the expiries of the tokens the refresher is to renew (as `claimDue` picks them), not yet expired. */
  async inUseExpiries(
    activeWindowSeconds: number,
  ): Promise<Array<{ credentialId: string; clientId: string; limit: number; loginsInWindow: number; expiriesMs: number[] }>> {
    const rows = (await this.dataSource.query(
      `SELECT c.id, c.client_id, c.login_rate_per_minute, ${LoginBudget.loginsInWindowSql('c.id')} AS logins_in_window,
              array_agg(extract(epoch FROM t.expires_at) * 1000) AS expiries
         FROM ${RENEWABLE_TOKENS}
          AND t.expires_at > clock_timestamp()
        GROUP BY c.id`,
      [activeWindowSeconds],
    )) as Array<{ id: string; client_id: string; login_rate_per_minute: number; logins_in_window: number; expiries: string[] }>;
    return rows.map((row) => ({
      credentialId: row.id,
      clientId: row.client_id,
      limit: row.login_rate_per_minute,
      loginsInWindow: row.logins_in_window,
      expiriesMs: row.expiries.map(Number),
    }));
  }

  /**
   * For the budget view of a page of credentials, in one query: per credential, the leases held
   * right now (renewals under way), the tokens in use (used within the active window, not yet
   * expired) and the expiries of those the refresher looks after (as the forecast counts them).
   */
  async budgetFigures(
    credentialIds: string[],
    activeWindowSeconds: number,
  ): Promise<Map<string, { leasesHeld: number; tokensInUse: number; renewableExpiriesMs: number[] }>> {
    if (credentialIds.length === 0) return new Map();
    const rows = (await this.dataSource.query(
      `SELECT ids.id,
              (SELECT count(*)::int FROM tokens l WHERE l.credential_id = ids.id AND ${this.heartbeat.leaseHeldSql('l')}) AS leases,
              (SELECT count(*)::int FROM tokens u
                WHERE u.credential_id = ids.id AND u.expires_at > clock_timestamp()
                  AND u.last_used_at > clock_timestamp() - make_interval(secs => $1)) AS in_use,
              coalesce((SELECT array_agg(extract(epoch FROM t.expires_at) * 1000) FROM ${RENEWABLE_TOKENS}
                           AND t.credential_id = ids.id AND t.expires_at > clock_timestamp()), '{}') AS expiries
         FROM unnest($2::uuid[]) AS ids(id)`,
      [activeWindowSeconds, credentialIds],
    )) as Array<{ id: string; leases: number; in_use: number; expiries: string[] }>;
    return new Map(rows.map((row) => [row.id, { leasesHeld: row.leases, tokensInUse: row.in_use, renewableExpiriesMs: row.expiries.map(Number) }]));
  }

  /** The admin view: token keys with their state, ordered by creation (keyset pagination). */
  async list(query: ListTokensQuery): Promise<Page<TokenStateDto>> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const params: unknown[] = [];
    const where: string[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (query.tenantId) add('t.tenant_id = ?', query.tenantId);
    if (query.credentialId) add('t.credential_id = ?', query.credentialId);
    const state = this.stateSql();
    if (query.state) add(`${state} = ?`, query.state);
    if (query.cursor) {
      const after = Cursor.decode(query.cursor, isTokenCursor);
      params.push(after.createdAt, after.credentialId, after.onBehalfOf, after.scope);
      const n = params.length;
      where.push(`(t.created_at, t.credential_id, t.on_behalf_of, t.scope) > ($${n - 3}, $${n - 2}, $${n - 1}, $${n})`);
    }
    params.push(limit + 1);
    const rows = (await this.dataSource.query(
      `SELECT t.*, ${state} AS state, ${this.heartbeat.leaseHeldSql('t')} AS lease_held FROM tokens t ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY t.created_at, t.credential_id, t.on_behalf_of, t.scope LIMIT $${params.length}`,
      params,
    )) as Array<Record<string, unknown>>;
    return toPage(
      rows,
      limit,
      (row) => ({
        credentialId: String(row.credential_id),
        tenantId: (row.tenant_id as string | null) ?? null,
        onBehalfOf: (row.on_behalf_of as string) || null,
        scope: String(row.scope),
        state: row.state as TokenState,
        tokenFingerprint: (row.fingerprint as string | null) ?? null,
        expiresAt: iso(row.expires_at),
        acquiredAt: iso(row.acquired_at),
        refreshDueAt: iso(row.refresh_due_at),
        lastUsedAt: iso(row.last_used_at),
        failures: Number(row.failures),
        lastErrorCode: (row.last_error_code as string | null) ?? null,
        lastErrorClassification: (row.last_error_classification as string | null) ?? null,
        lastErrorCorrelationId: (row.last_error_correlation_id as string | null) ?? null,
        // The refresher's next try; requests may try sooner (next_attempt_at alone).
        nextAttemptAt: iso(latest(row.next_attempt_at, row.refresh_next_attempt_at)),
        leaseOwner: row.lease_held ? (row.lease_owner as string) : null,
      }),
      (row) => ({
        createdAt: (row.created_at as Date).toISOString(),
        credentialId: String(row.credential_id),
        onBehalfOf: String(row.on_behalf_of),
        scope: String(row.scope),
      }),
    );
  }

  /**
   * Shutdown: these leases (the refresher's, not yet settled) go back at once, instead of expiring
   * later. The rows are locked in key order, as `touch` locks them, so that the two cannot deadlock.
   */
  async releaseLeases(ids: string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const result = (await this.dataSource.query(
      `WITH held AS (
         SELECT credential_id, on_behalf_of, scope FROM tokens WHERE lease_id = ANY($1::uuid[])
          ORDER BY credential_id, on_behalf_of, scope
            FOR UPDATE)
       UPDATE tokens t SET lease_owner = NULL, lease_until = NULL, lease_id = NULL
         FROM held
        WHERE t.credential_id = held.credential_id AND t.on_behalf_of = held.on_behalf_of AND t.scope = held.scope AND t.lease_id = ANY($1::uuid[])`,
      [ids],
    )) as [unknown, number];
    return result[1];
  }

  /** The state of a key, computed in SQL so that it can be filtered on. */
  private stateSql(): string {
    return `CASE
      WHEN ${this.heartbeat.leaseHeldSql('t')} THEN 'refreshing'
      WHEN t.access_token IS NULL OR t.expires_at <= clock_timestamp() THEN 'expired'
      WHEN t.failures > 0 THEN 'failing'
      WHEN t.refresh_due_at <= clock_timestamp() THEN 'due'
      ELSE 'fresh' END`;
  }

  /**
   * A login attempt about to go out: written to the audit log by `write` and named on the key's
   * row, in one transaction, so that neither is without the other. LeaseLost (nothing written)
   * if another acquisition took the key meanwhile. Without a lease (a credential no tenant uses
   * yet has no row) only the event is written. In each of these transactions the audit chain is
   * locked before the row, always in that order, and the row only for a moment: a slow audit
   * write never holds up the claims of the key.
   */
  async recordAttempt(lease: Lease | undefined, attemptId: string, write: WriteInTransaction): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await write(manager);
      if (lease && !(await this.setAttempt(manager, lease.key, { from: undefined, to: attemptId, leaseId: lease.id }))) throw new LeaseLost();
    });
  }

  /** MyInvois answered the attempt: its outcome is written (`write`) and the row no longer names it, together. */
  async closeAttempt(key: TokenKey, attemptId: string, write: WriteInTransaction): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await write(manager);
      await this.setAttempt(manager, key, { from: attemptId, to: null });
    });
  }

  /**
   * Taking a key over from a holder that died mid-login: its attempt is closed as abandoned
   * (`write`) by whoever clears it from the row, once, even if two acquisitions try.
   */
  async abandonAttempt(lease: Lease, attemptId: string, write: WriteInTransaction): Promise<boolean> {
    try {
      await this.dataSource.transaction(async (manager) => {
        await write(manager);
        if (!(await this.setAttempt(manager, lease.key, { from: attemptId, to: null, leaseId: lease.id }))) throw new AlreadyClosed();
      });
      return true;
    } catch (error) {
      if (error instanceof AlreadyClosed) return false;
      throw error;
    }
  }

  /** `from`: the attempt the row must name (undefined: any); `leaseId`: the lease that must still be held. */
  private async setAttempt(manager: EntityManager, key: TokenKey, change: { from?: string; to: string | null; leaseId?: string }): Promise<boolean> {
    const updated = (await manager.query(
      `UPDATE tokens SET login_attempt_id = $4
        WHERE ${PK} AND ($5::uuid IS NULL OR login_attempt_id = $5) AND ($6::uuid IS NULL OR lease_id = $6) RETURNING 1`,
      [key.credentialId, key.onBehalfOf, key.scope, change.to, change.from ?? null, change.leaseId ?? null],
    )) as [unknown[], number];
    return updated[1] > 0;
  }

  /** A failed login: the lease goes back, and the next attempts wait (requests and the refresher each their own time). */
  async recordFailure(lease: Lease, failure: KeyFailure, retry: Retry): Promise<void> {
    const { key } = lease;
    await this.dataSource.query(
      `UPDATE tokens SET lease_owner = NULL, lease_until = NULL, lease_id = NULL, failures = failures + 1, last_error_code = $4,
              last_error_classification = $8, last_error_description = $9, last_error_correlation_id = $10,
              last_error_at = clock_timestamp(), next_attempt_at = CASE WHEN $5::float8 > 0 THEN clock_timestamp() + make_interval(secs => $5::float8) END,
              refresh_next_attempt_at = clock_timestamp() + make_interval(secs => $6), updated_at = now()
        WHERE ${PK} AND lease_id = $7`,
      [
        key.credentialId,
        key.onBehalfOf,
        key.scope,
        failure.code.slice(0, 64),
        retry.requestsAfterMs / 1000,
        retry.refreshAfterMs / 1000,
        lease.id,
        failure.classification.slice(0, 32),
        failure.description?.slice(0, 500) ?? null,
        failure.correlationId,
      ],
    );
  }

  /** Gives the lease back without recording anything (the login was not attempted). */
  async release(lease: Lease): Promise<void> {
    const { key } = lease;
    await this.dataSource.query(`UPDATE tokens SET lease_owner = NULL, lease_until = NULL, lease_id = NULL WHERE ${PK} AND lease_id = $4`, [
      key.credentialId,
      key.onBehalfOf,
      key.scope,
      lease.id,
    ]);
  }

  /**
   * Drops the stored token so that the next request logs in again, unless it was acquired
   * within the cooldown (then it is new, and logging in again would only spend the budget),
   * or it is no longer the token the caller names.
   */
  async invalidate(key: TokenKey, fingerprint: string | null, cooldownSeconds: number): Promise<'invalidated' | 'cooldown' | 'not_current'> {
    const [row] = (await this.dataSource.query(
      `SELECT fingerprint, acquired_at > clock_timestamp() - make_interval(secs => $4) AS recent FROM tokens WHERE ${PK}`,
      [key.credentialId, key.onBehalfOf, key.scope, cooldownSeconds],
    )) as Array<{ fingerprint: string | null; recent: boolean | null }>;
    if (!row?.fingerprint || (fingerprint !== null && row.fingerprint !== fingerprint)) return 'not_current';
    if (row.recent) return 'cooldown';
    await this.dataSource.query(
      `UPDATE tokens SET access_token = NULL, fingerprint = NULL, expires_at = NULL, refresh_due_at = NULL, updated_at = now()
        WHERE ${PK} AND fingerprint = $4`,
      [key.credentialId, key.onBehalfOf, key.scope, row.fingerprint],
    );
    return 'invalidated';
  }

  /**
   * Records when keys were last used and what their callers asked for, in one statement (the hot
   * path itself writes nothing). A row is written only when that tells the refresher something:
   * its last use moved by more than `precisionSeconds`, or a caller asked for a longer minimum
   * than the row knows (then the key comes due sooner, before that caller would refuse it).
   * The rows are locked in key order, so that replicas touching overlapping keys cannot deadlock.
   */
  async touch(uses: KeyUse[], precisionSeconds: number, renewalSeconds: number): Promise<void> {
    if (uses.length === 0) return;
    await this.dataSource.query(
      `WITH used AS (
         SELECT t.credential_id, t.on_behalf_of, t.scope, u.at, u.min_ttl
           FROM tokens t
           JOIN unnest($1::uuid[], $2::varchar[], $3::varchar[], $4::timestamptz[], $5::int[]) AS u(credential_id, on_behalf_of, scope, at, min_ttl)
             ON t.credential_id = u.credential_id AND t.on_behalf_of = u.on_behalf_of AND t.scope = u.scope
          WHERE t.last_used_at IS NULL OR t.last_used_at < u.at - make_interval(secs => $6::float8) OR u.min_ttl > t.callers_min_ttl_seconds
          ORDER BY t.credential_id, t.on_behalf_of, t.scope
            FOR UPDATE OF t)
       UPDATE tokens t SET last_used_at = greatest(coalesce(t.last_used_at, used.at), used.at),
              callers_min_ttl_seconds = greatest(t.callers_min_ttl_seconds, used.min_ttl),
              refresh_due_at = CASE WHEN used.min_ttl > t.callers_min_ttl_seconds AND t.expires_at IS NOT NULL
                THEN least(t.refresh_due_at, greatest(t.acquired_at + (t.expires_at - t.acquired_at) / 2, t.expires_at - make_interval(secs => used.min_ttl + $7::float8)))
                ELSE t.refresh_due_at END
         FROM used
        WHERE t.credential_id = used.credential_id AND t.on_behalf_of = used.on_behalf_of AND t.scope = used.scope`,
      [
        uses.map((u) => u.key.credentialId),
        uses.map((u) => u.key.onBehalfOf),
        uses.map((u) => u.key.scope),
        uses.map((u) => u.at),
        uses.map((u) => u.minTtlSeconds),
        precisionSeconds,
        renewalSeconds,
      ],
    );
  }
}

/**
 * `FROM` and `WHERE` of the tokens the refresher looks after, as `t` with their credential `c`:
 * used within the active window ($1), of an active tenant still logging in with the token's
 * credential, that credential not invalid, not backing off. Shared by the claim and the
 * forecast, so that the forecast warns only of tokens the refresher would renew.
 */
const RENEWABLE_TOKENS = `tokens t
  JOIN tenants tn ON tn.id = t.tenant_id AND tn.deleted_at IS NULL AND tn.status = 'active' AND tn.credential_id = t.credential_id
  JOIN credentials c ON c.id = t.credential_id AND c.status <> 'invalid'
 WHERE t.last_used_at > clock_timestamp() - make_interval(secs => $1)
   AND (t.next_attempt_at IS NULL OR t.next_attempt_at <= clock_timestamp())
   AND (t.refresh_next_attempt_at IS NULL OR t.refresh_next_attempt_at <= clock_timestamp())`;

/** Another acquisition's lease, while it is held (not run out, its owner alive). */
function busyWhileHeld(row: ClaimRow | undefined): Claim | undefined {
  return row?.lease_held ? { kind: 'busy', leaseLeftMs: Number(row.lease_until) - Number(row.now) } : undefined;
}

type TokenCursor = { createdAt: string; credentialId: string; onBehalfOf: string; scope: string };

/** Exactly what `list` puts into a cursor; anything else would reach PostgreSQL as a bad parameter (a 500). */
const isTokenCursor = (value: unknown): value is TokenCursor => {
  if (typeof value !== 'object' || value === null) return false;
  const { createdAt, credentialId, onBehalfOf, scope } = value as Record<string, unknown>;
  return isIsoTimestamp(createdAt) && isUuid(credentialId) && isColumnText(onBehalfOf, 40) && isColumnText(scope, 64);
};

function isColumnText(value: unknown, maxLength: number): value is string {
  return typeof value === 'string' && value.length <= maxLength && isPlainText(value);
}

function latest(a: unknown, b: unknown): Date | null {
  const dates = [a, b].filter((value): value is Date => value instanceof Date);
  return dates.length === 0 ? null : new Date(Math.max(...dates.map((date) => date.getTime())));
}

function iso(value: unknown): string | null {
  return value instanceof Date ? value.toISOString() : null;
}
