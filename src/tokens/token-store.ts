import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { advisoryLockId, TokenKey } from './token-key';

/** A token as stored: still sealed. */
export interface StoredToken {
  sealed: Buffer;
  fingerprint: string;
  expiresAtMs: number;
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

  /** Stores a fresh token and gives the lease back (a lease taken over meanwhile is harmless: both tokens are valid). */
  async store(
    key: TokenKey,
    tenantId: string | null,
    token: { sealed: Buffer; fingerprint: string; expiresAt: Date; lifetimeSeconds: number; refreshDueAt: Date | null },
  ): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO tokens (credential_id, on_behalf_of, scope, tenant_id, access_token, fingerprint, expires_at, acquired_at, lifetime_seconds, refresh_due_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, clock_timestamp(), $8, $9)
       ON CONFLICT (credential_id, on_behalf_of, scope) DO UPDATE
         SET access_token = excluded.access_token, fingerprint = excluded.fingerprint, expires_at = excluded.expires_at,
             acquired_at = excluded.acquired_at, lifetime_seconds = excluded.lifetime_seconds, refresh_due_at = excluded.refresh_due_at,
             tenant_id = coalesce(excluded.tenant_id, tokens.tenant_id), lease_owner = NULL, lease_until = NULL, failures = 0,
             next_attempt_at = NULL, last_error_code = NULL, last_error_at = NULL, updated_at = now()`,
      [key.credentialId, key.onBehalfOf, key.scope, tenantId, token.sealed, token.fingerprint, token.expiresAt, token.lifetimeSeconds, token.refreshDueAt],
    );
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
