import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Actor } from '../common/actor';
import { AuditService } from '../audit/audit.service';
import { truncate } from '../common/formats';
import { CredentialsService } from './credentials.service';

/** One failed answer of MyInvois, as the credential keeps it (`lastError`). */
export interface UpstreamError {
  /** The row of the classification table: `refused`, `request_error`, `rate_limited`, `transient`. */
  classification: string;
  /** MyInvois's OAuth `error`, or what kind of failure it was (`timeout`, `gateway`, ...). */
  code: string;
  description: string;
  /** Null for a timeout or a connection failure. */
  status: number | null;
  correlationId: string | null;
}

interface FailureRow {
  was: Date | null;
  since: Date | null;
  client_id: string;
}

interface SuccessRow {
  was: Date | null;
  /** When the refusal this success ends began; null when none did. */
  refused: Date | null;
  now: Date;
  client_id: string;
}

/**
 * What MyInvois's answers say about a credential: `valid` or `invalid`, its last error, and its
 * degraded episodes. An episode starts with the first failure that says MyInvois is failing the
 * client ID (an outage, a maintenance page, a request it refuses) and ends with the next token;
 * each end is audited once (`credential.degraded`, `credential.restored`), in the transaction
 * that changes the row, so that every replica agrees on one start and one end. Failures never
 * change the status: only a refusal does.
 */
@Injectable()
export class CredentialHealth {
  private readonly logger = new Logger(CredentialHealth.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly credentials: CredentialsService,
  ) {}

  /**
   * A login succeeded: `valid` and which secret worked (ignored if the secrets changed since),
   * and a degraded episode or a refusal, if one was going on, is over (each audited once). The last error stays, with its time.
   */
  async recordWorkingSecret(actor: Actor, id: string, secretsVersion: number, secret: number): Promise<void> {
    const ended = await this.dataSource.transaction(async (manager) => {
      const [rows] = (await manager.query(
        `UPDATE credentials c
            SET status = CASE WHEN c.secrets_version = $2 THEN 'valid' ELSE c.status END,
                preferred_secret = CASE WHEN c.secrets_version = $2 THEN $3 ELSE c.preferred_secret END,
                updated_at = CASE WHEN c.secrets_version = $2 AND (c.status <> 'valid' OR c.preferred_secret <> $3) THEN now() ELSE c.updated_at END,
                degraded_since = NULL,
                refused_since = CASE WHEN c.secrets_version = $2 THEN NULL ELSE c.refused_since END
           FROM (SELECT id, degraded_since, refused_since FROM credentials WHERE id = $1 FOR UPDATE) old
          WHERE c.id = old.id AND ((c.secrets_version = $2 AND (c.status <> 'valid' OR c.preferred_secret <> $3 OR old.refused_since IS NOT NULL))
                                   OR old.degraded_since IS NOT NULL)
         RETURNING old.degraded_since AS was, CASE WHEN c.refused_since IS NULL THEN old.refused_since END AS refused, clock_timestamp() AS now, c.client_id`,
        [id, secretsVersion, secret],
      )) as [SuccessRow[], number];
      const [row] = rows;
      if (!row) return undefined;
      if (row.was) {
        await this.audit.record(manager, {
          actor,
          action: 'credential.restored',
          target: { type: 'credential', id },
          details: { clientId: row.client_id, degradedSince: row.was, restoredAt: row.now, durationSeconds: seconds(row.now, row.was) },
        });
      }
      if (row.refused) {
        await this.audit.record(manager, {
          actor,
          action: 'credential.recovered',
          target: { type: 'credential', id },
          details: { clientId: row.client_id, refusedSince: row.refused, recoveredAt: row.now, durationSeconds: seconds(row.now, row.refused) },
        });
      }
      await this.credentials.announceChange(id, manager);
      return row;
    });
    this.credentials.forgetLoginInfo(id);
    if (ended?.was) {
      this.logger.log(
        { credentialId: id, clientId: ended.client_id, degradedSince: ended.was, durationSeconds: seconds(ended.now, ended.was) },
        `MyInvois answers client ID ${ended.client_id} again, after ${seconds(ended.now, ended.was)} s of failures`,
      );
    }
  }

  /**
   * MyInvois refused every secret for good: `invalid`, audited, and no login is attempted with
   * it again until its secrets change or a verification succeeds. Ignored if the secrets
   * changed while the refused login was under way. Without a status or correlationId (the
   * refusals were other logins' answers), those of the last error stay.
   */
  async markInvalid(actor: Actor, id: string, secretsVersion: number, upstream: Omit<UpstreamError, 'classification'>): Promise<boolean> {
    const changed = await this.dataSource.transaction(async (manager) => {
      const [, count] = (await manager.query(
        `UPDATE credentials SET status = 'invalid', last_error_code = $3, last_error_description = $4, last_error_classification = 'refused',
                last_error_status = coalesce($5, last_error_status), last_error_correlation_id = coalesce($6, last_error_correlation_id),
                last_error_at = clock_timestamp(), refused_since = coalesce(refused_since, clock_timestamp()), updated_at = now()
          WHERE id = $1 AND secrets_version = $2 AND status <> 'invalid'`,
        [id, secretsVersion, truncate(upstream.code, 64), truncate(upstream.description, 500), upstream.status, upstream.correlationId],
      )) as [unknown, number];
      if (count === 0) return false;
      await this.audit.record(manager, {
        actor,
        action: 'credential.invalidated',
        outcome: 'failure',
        target: { type: 'credential', id },
        details: { upstreamError: upstream.code, upstreamDescription: truncate(upstream.description, 500), upstreamCorrelationId: upstream.correlationId },
      });
      await this.credentials.announceChange(id, manager);
      return true;
    });
    this.credentials.forgetLoginInfo(id);
    return changed;
  }

  /**
   * A failed answer becomes the credential's last error. `degrades`: it says MyInvois is failing
   * the client ID, so it starts a degraded episode unless one is going on (audited once).
   */
  async recordFailure(actor: Actor, id: string, error: UpstreamError, degrades: boolean): Promise<void> {
    const started = await this.dataSource.transaction(async (manager) => {
      const [rows] = (await manager.query(
        `UPDATE credentials c
            SET last_error_code = $2, last_error_description = $3, last_error_classification = $4, last_error_status = $5,
                last_error_correlation_id = $6, last_error_at = clock_timestamp(),
                degraded_since = CASE WHEN $7::boolean THEN coalesce(old.degraded_since, clock_timestamp()) ELSE old.degraded_since END
           FROM (SELECT id, degraded_since FROM credentials WHERE id = $1 FOR UPDATE) old
          WHERE c.id = old.id
         RETURNING old.degraded_since AS was, c.degraded_since AS since, c.client_id`,
        [id, truncate(error.code, 64), truncate(error.description, 500), error.classification, error.status, error.correlationId, degrades],
      )) as [FailureRow[], number];
      const [row] = rows;
      if (!row) return undefined;
      if (!row.was && row.since) {
        await this.audit.record(manager, {
          actor,
          action: 'credential.degraded',
          outcome: 'failure',
          target: { type: 'credential', id },
          details: {
            clientId: row.client_id,
            degradedSince: row.since,
            classification: error.classification,
            upstreamError: error.code,
            upstreamDescription: truncate(error.description, 500),
            upstreamStatus: error.status,
            upstreamCorrelationId: error.correlationId,
          },
        });
      }
      await this.credentials.announceChange(id, manager);
      return !row.was && row.since ? row : undefined;
    });
    this.credentials.forgetLoginInfo(id);
    if (started) {
      this.logger.warn(
        { credentialId: id, clientId: started.client_id, classification: error.classification, code: error.code, correlationId: error.correlationId },
        `MyInvois is failing client ID ${started.client_id} (${error.code}): tokens already held are served, new logins back off until it answers again`,
      );
    }
  }
}

function seconds(later: Date, earlier: Date): number {
  return Math.max(0, Math.round((later.getTime() - earlier.getTime()) / 1000));
}
