import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { Cursor, DEFAULT_PAGE_SIZE, Page, toPage } from '../common/pagination';
import { ListTokensQuery, TokenState, TokenStateDto } from './dto/token-state.dto';
import { advisoryLockId, TokenKey } from './token-key';

/** A token as stored: still sealed. */
export interface StoredToken {
  sealed: Buffer;
  fingerprint: string;
  expiresAtMs: number;
}

export interface DueToken {
  key: TokenKey;
  tenantId: string;
  failures: number;
  expiresAtMs: number | null;
}

export type Claim =
  /** The row holds a token with enough life left (maybe another replica just stored it). */
  | { kind: 'stored'; token: StoredToken }
  /** This process holds the key's lease: it logs in and stores the result. */
  | { kind: 'leased' }
  /** Another replica (or the refresher) is logging in for this key right now. */
  | { kind: 'busy'; leaseUntilMs: number }
  /** A recent transient failure: no new attempt before `retryAtMs`. */
  | { kind: 'backing_off'; retryAtMs: number; lastErrorCode: string | null };

const PK = 'credential_id = $1 AND on_behalf_of = $2 AND scope = $3';

/**
 * The `tokens` table: the cross-replica half of single flight. A claim takes the key's
 * advisory lock, re-reads the row (another replica may have stored a fresh token a moment
 * ago) and, if a login is needed, takes the row's lease before releasing the lock; the login
 * itself runs outside any transaction, so no connection is held while MyInvois answers.
 */
@Injectable()
export class TokenStore {
  /** This process, as a lease owner. */
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  async claim(key: TokenKey, tenantId: string | null, minTtlMs: number): Promise<Claim> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [advisoryLockId(key)]);
      const [row] = (await manager.query(
        `SELECT access_token, fingerprint, extract(epoch FROM expires_at) * 1000 AS expires_at, lease_owner,
                extract(epoch FROM lease_until) * 1000 AS lease_until, extract(epoch FROM next_attempt_at) * 1000 AS next_attempt_at,
                last_error_code, extract(epoch FROM clock_timestamp()) * 1000 AS now
           FROM tokens WHERE ${PK} FOR UPDATE`,
        [key.credentialId, key.onBehalfOf, key.scope],
      )) as Array<Record<string, string | Buffer | null>>;
      const now = row ? Number(row.now) : Date.now();
      if (row?.access_token && Number(row.expires_at) - now >= minTtlMs) {
        return { kind: 'stored' as const, token: { sealed: row.access_token as Buffer, fingerprint: String(row.fingerprint), expiresAtMs: Number(row.expires_at) } };
      }
      if (row?.lease_owner && row.lease_owner !== this.owner && Number(row.lease_until) > now) {
        return { kind: 'busy' as const, leaseUntilMs: Number(row.lease_until) };
      }
      if (row?.next_attempt_at && Number(row.next_attempt_at) > now) {
        return { kind: 'backing_off' as const, retryAtMs: Number(row.next_attempt_at), lastErrorCode: (row.last_error_code as string | null) ?? null };
      }
      await manager.query(
        `INSERT INTO tokens (credential_id, on_behalf_of, scope, tenant_id, lease_owner, lease_until)
         VALUES ($1, $2, $3, $4, $5, clock_timestamp() + make_interval(secs => $6))
         ON CONFLICT (credential_id, on_behalf_of, scope) DO UPDATE
           SET lease_owner = excluded.lease_owner, lease_until = excluded.lease_until,
               tenant_id = coalesce(excluded.tenant_id, tokens.tenant_id), updated_at = now()`,
        [key.credentialId, key.onBehalfOf, key.scope, tenantId, this.owner, this.config.tokens.leaseSeconds],
      );
      return { kind: 'leased' as const };
    });
  }

  /**
   * Stores a fresh token and gives the lease back (a lease taken over meanwhile is harmless:
   * both tokens are valid). `inUse`: a request asked for it, so it counts as used now; a
   * refresh leaves `last_used_at` alone, or refreshing would keep a token "in use" for ever.
   */
  async store(
    key: TokenKey,
    tenantId: string | null,
    token: { sealed: Buffer; fingerprint: string; expiresAt: Date; lifetimeSeconds: number; refreshDueAt: Date | null },
    inUse: boolean,
  ): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO tokens (credential_id, on_behalf_of, scope, tenant_id, access_token, fingerprint, expires_at, acquired_at, lifetime_seconds,
                          refresh_due_at, last_used_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, clock_timestamp(), $8, $9, CASE WHEN $10 THEN clock_timestamp() END)
       ON CONFLICT (credential_id, on_behalf_of, scope) DO UPDATE
         SET access_token = excluded.access_token, fingerprint = excluded.fingerprint, expires_at = excluded.expires_at,
             acquired_at = excluded.acquired_at, lifetime_seconds = excluded.lifetime_seconds, refresh_due_at = excluded.refresh_due_at,
             tenant_id = coalesce(excluded.tenant_id, tokens.tenant_id), lease_owner = NULL, lease_until = NULL, failures = 0,
             next_attempt_at = NULL, last_error_code = NULL, last_error_at = NULL,
             last_used_at = coalesce(excluded.last_used_at, tokens.last_used_at), updated_at = now()`,
      [key.credentialId, key.onBehalfOf, key.scope, tenantId, token.sealed, token.fingerprint, token.expiresAt, token.lifetimeSeconds, token.refreshDueAt, inUse],
    );
  }

  /**
   * Leases a batch of due tokens for refresh: used within the active window, credential not
   * invalid, tenant still active on it, not leased, not backing off; the soonest to expire
   * first. SKIP LOCKED: replicas claiming at the same moment get different tokens. (Joins the
   * tenants and credentials tables directly: one statement, because the claim must be atomic.)
   */
  async claimDue(limit: number, activeWindowSeconds: number): Promise<Array<DueToken>> {
    const rows = (await this.dataSource.query(
      `WITH due AS (
         SELECT t.credential_id, t.on_behalf_of, t.scope
           FROM tokens t
           JOIN credentials c ON c.id = t.credential_id AND c.status <> 'invalid'
           JOIN tenants tn ON tn.id = t.tenant_id AND tn.deleted_at IS NULL AND tn.status = 'active' AND tn.credential_id = t.credential_id
          WHERE t.refresh_due_at <= clock_timestamp()
            AND t.last_used_at > clock_timestamp() - make_interval(secs => $1)
            AND (t.lease_until IS NULL OR t.lease_until < clock_timestamp())
            AND (t.next_attempt_at IS NULL OR t.next_attempt_at <= clock_timestamp())
          ORDER BY t.expires_at ASC NULLS FIRST
          LIMIT $2
          FOR UPDATE OF t SKIP LOCKED)
       UPDATE tokens t SET lease_owner = $3, lease_until = clock_timestamp() + make_interval(secs => $4)
         FROM due
        WHERE t.credential_id = due.credential_id AND t.on_behalf_of = due.on_behalf_of AND t.scope = due.scope
       RETURNING t.credential_id, t.on_behalf_of, t.scope, t.tenant_id, t.failures, extract(epoch FROM t.expires_at) * 1000 AS expires_at`,
      [activeWindowSeconds, limit, this.owner, this.config.tokens.leaseSeconds],
    )) as [Array<{ credential_id: string; on_behalf_of: string; scope: string; tenant_id: string; failures: number; expires_at: string | null }>, number];
    return rows[0].map((row) => ({
      key: { credentialId: row.credential_id, onBehalfOf: row.on_behalf_of, scope: row.scope },
      tenantId: row.tenant_id,
      failures: row.failures,
      expiresAtMs: row.expires_at === null ? null : Number(row.expires_at),
    }));
  }

  /** In-use tokens per credential, for the budget forecast. */
  async inUseExpiries(activeWindowSeconds: number): Promise<Array<{ credentialId: string; clientId: string; limit: number; expiriesMs: number[] }>> {
    const rows = (await this.dataSource.query(
      `SELECT c.id, c.client_id, c.login_rate_per_minute, array_agg(extract(epoch FROM t.expires_at) * 1000) AS expiries
         FROM tokens t JOIN credentials c ON c.id = t.credential_id AND c.status <> 'invalid'
        WHERE t.last_used_at > clock_timestamp() - make_interval(secs => $1) AND t.expires_at IS NOT NULL
        GROUP BY c.id`,
      [activeWindowSeconds],
    )) as Array<{ id: string; client_id: string; login_rate_per_minute: number; expiries: string[] }>;
    return rows.map((row) => ({ credentialId: row.id, clientId: row.client_id, limit: row.login_rate_per_minute, expiriesMs: row.expiries.map(Number) }));
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
    if (query.state) add(`${STATE_SQL} = ?`, query.state);
    if (query.cursor) {
      const after = Cursor.decode(query.cursor, isTokenCursor);
      params.push(after.createdAt, after.credentialId, after.onBehalfOf, after.scope);
      const n = params.length;
      where.push(`(t.created_at, t.credential_id, t.on_behalf_of, t.scope) > ($${n - 3}, $${n - 2}, $${n - 1}, $${n})`);
    }
    params.push(limit + 1);
    const rows = (await this.dataSource.query(
      `SELECT t.*, ${STATE_SQL} AS state FROM tokens t ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
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
        nextAttemptAt: iso(row.next_attempt_at),
        leaseOwner: row.lease_until && (row.lease_until as Date).getTime() > Date.now() ? (row.lease_owner as string) : null,
      }),
      (row) => ({
        createdAt: (row.created_at as Date).toISOString(),
        credentialId: String(row.credential_id),
        onBehalfOf: String(row.on_behalf_of),
        scope: String(row.scope),
      }),
    );
  }

  /** Shutdown: every lease this process holds goes back at once, instead of expiring later. */
  async releaseAll(): Promise<number> {
    const result = (await this.dataSource.query(`UPDATE tokens SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $1`, [this.owner])) as [unknown, number];
    return result[1];
  }

  /** A failed login: the lease goes back, and the next attempt waits `retryAfterMs`. */
  async recordFailure(key: TokenKey, errorCode: string, retryAfterMs: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE tokens SET lease_owner = NULL, lease_until = NULL, failures = failures + 1, last_error_code = $4, last_error_at = clock_timestamp(),
              next_attempt_at = clock_timestamp() + make_interval(secs => $5), updated_at = now()
        WHERE ${PK} AND (lease_owner = $6 OR lease_owner IS NULL)`,
      [key.credentialId, key.onBehalfOf, key.scope, errorCode.slice(0, 64), retryAfterMs / 1000, this.owner],
    );
  }

  /** Gives the lease back without recording anything (the login was not attempted). */
  async release(key: TokenKey): Promise<void> {
    await this.dataSource.query(`UPDATE tokens SET lease_owner = NULL, lease_until = NULL WHERE ${PK} AND lease_owner = $4`, [
      key.credentialId,
      key.onBehalfOf,
      key.scope,
      this.owner,
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

  /** Records when keys were last used, in one statement (the hot path itself writes nothing). */
  async touch(uses: Array<{ key: TokenKey; at: Date }>): Promise<void> {
    if (uses.length === 0) return;
    await this.dataSource.query(
      `UPDATE tokens t SET last_used_at = greatest(coalesce(t.last_used_at, u.at), u.at)
         FROM unnest($1::uuid[], $2::varchar[], $3::varchar[], $4::timestamptz[]) AS u(credential_id, on_behalf_of, scope, at)
        WHERE t.credential_id = u.credential_id AND t.on_behalf_of = u.on_behalf_of AND t.scope = u.scope`,
      [uses.map((u) => u.key.credentialId), uses.map((u) => u.key.onBehalfOf), uses.map((u) => u.key.scope), uses.map((u) => u.at)],
    );
  }
}

/** The state of a key, computed in SQL so that it can be filtered on. */
const STATE_SQL = `CASE
  WHEN t.lease_until > clock_timestamp() THEN 'refreshing'
  WHEN t.access_token IS NULL OR t.expires_at <= clock_timestamp() THEN 'expired'
  WHEN t.failures > 0 THEN 'failing'
  WHEN t.refresh_due_at <= clock_timestamp() THEN 'due'
  ELSE 'fresh' END`;

type TokenCursor = { createdAt: string; credentialId: string; onBehalfOf: string; scope: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/** Exactly what `list` puts into a cursor; anything else would reach PostgreSQL as a bad parameter (a 500). */
const isTokenCursor = (value: unknown): value is TokenCursor => {
  if (typeof value !== 'object' || value === null) return false;
  const { createdAt, credentialId, onBehalfOf, scope } = value as Record<string, unknown>;
  return (
    typeof createdAt === 'string' &&
    ISO_TIMESTAMP.test(createdAt) &&
    !Number.isNaN(Date.parse(createdAt)) &&
    // Round-trips only if it is a real instant (not 2020-02-31).
    new Date(createdAt).toISOString() === createdAt &&
    typeof credentialId === 'string' &&
    UUID.test(credentialId) &&
    isColumnText(onBehalfOf, 40) &&
    isColumnText(scope, 64)
  );
};

function isColumnText(value: unknown, maxLength: number): value is string {
  return typeof value === 'string' && value.length <= maxLength && !CONTROL_CHARACTER.test(value);
}

function iso(value: unknown): string | null {
  return value instanceof Date ? value.toISOString() : null;
}
