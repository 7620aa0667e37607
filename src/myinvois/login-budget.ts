import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { backoffMs } from './backoff';
import { MyInvoisError } from './myinvois.errors';

export type LoginPurpose = 'on_demand' | 'refresh';

/** Why no slot now: the minute's logins are spent, a 429 paused the client ID, or MyInvois has been failing it. */
export type NoSlotReason = 'exhausted' | 'paused' | 'backing_off';

export type SlotDecision<T> = { granted: true; admitted: T } | { granted: false; waitMs: number; reason: NoSlotReason };

/** The budget of one client ID as an operator sees it (`GET /v1/credentials/{id}/budget`). */
export interface BudgetFigures {
  /** Logins in the last WINDOW_MS, in every replica. */
  usedInWindow: number;
  /** When the next login may go out by the window alone: now if one is free. */
  nextSlotAt: Date;
  /** After a 429: no login before this; null when not paused. */
  pausedUntil: Date | null;
  /** The Retry-After (seconds) the 429 came with. */
  pausedRetryAfterSeconds: number | null;
  /** After MyInvois failed: no login before this (one probe goes out then); null when not backing off. */
  backingOffUntil: Date | null;
  /** MyInvois's failures of this client ID in a row. */
  consecutiveFailures: number;
}

/** Logins of one minute, by purpose (`GET /v1/credentials/{id}/logins`). */
export interface LoginMinute {
  minute: Date;
  onDemand: number;
  refresh: number;
}

/** While the first login after a back-off is out (its probe), the others are told to ask again this soon. */
const PROBE_POLL_MS = 1000;

/**
 * Runs inside the transaction that takes the slot, right before it is taken: the last check
 * before a login goes out (is the credential still usable, which secret, is the lease still
 * ours). Throwing refuses the login and gives the slot back.
 */
export type Admission<T> = (manager: EntityManager) => Promise<T>;

/**
 * MyInvois allows `loginRatePerMinute` logins per client ID in any minute. The budget is kept
 * in PostgreSQL so that every replica draws on the same one: a slot is taken by recording a
 * login under the credential's `login_budgets` row lock, timed by the database clock. The
 * window is 61 s, one second longer than MyInvois's, for network and clock skew.
 * Background refreshes leave `LOGIN_BUDGET_ON_DEMAND_RESERVE` slots of each window to requests,
 * and none at all while a request is waiting for one.
 *
 * MyInvois failing a client ID (an outage, a maintenance page) backs the whole client ID off,
 * not each token key: an intermediary's twenty taxpayers behind one maintenance page send one
 * login per back-off step, not twenty. Once the wait is over, one login goes out (the probe)
 * while the others wait for its answer.
 */
@Injectable()
export class LoginBudget {
  static readonly WINDOW_MS = 61_000;
  /** How long a login stays in upstream_logins: the window counts only the last WINDOW_MS, the operator's chart the last hour. */
  static readonly HISTORY_MS = 3_600_000;
  static readonly HISTORY_MINUTES = LoginBudget.HISTORY_MS / 60_000;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  /**
   * Waits up to `waitMaxMs` for a slot; then throws a 503 with Retry-After (at once while the client ID backs off). `admit` runs again on
   * every try, so a login that waited sees what changed meanwhile; the slot comes with its answer.
   */
  async take<T>(credentialId: string, limit: number, purpose: LoginPurpose, admit: Admission<T>, waitMaxMs = this.config.myinvois.loginWaitMaxMs): Promise<T> {
    const started = Date.now();
    for (;;) {
      const decision = await this.tryTake(credentialId, limit, purpose, admit);
      if (decision.granted) {
        this.metrics.loginBudgetWaitSeconds.observe({ purpose }, (Date.now() - started) / 1000);
        return decision.admitted;
      }
      const waited = Date.now() - started;
      // MyInvois failing is not worth a wait: the next attempt would most likely fail too, and it is the probe's to make.
      if (decision.reason === 'backing_off' || waited + decision.waitMs > waitMaxMs) {
        this.metrics.loginBudgetExhausted.inc({ purpose, reason: decision.reason });
        const retryAfterSeconds = Math.ceil((decision.waitMs + 50) / 1000);
        if (decision.reason === 'backing_off') throw MyInvoisError.backingOff(retryAfterSeconds);
        throw MyInvoisError.budgetExhausted(decision.reason, retryAfterSeconds);
      }
      // A little jitter so that waiters of several replicas do not all retry on the same millisecond.
      await new Promise((resolve) => setTimeout(resolve, decision.waitMs + 10 + Math.random() * 40));
    }
  }

  private async tryTake<T>(credentialId: string, limit: number, purpose: LoginPurpose, admit: Admission<T>): Promise<SlotDecision<T>> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('INSERT INTO login_budgets (credential_id) VALUES ($1) ON CONFLICT DO NOTHING', [credentialId]);
      const [budget] = (await manager.query(
        `SELECT extract(epoch FROM paused_until) * 1000 AS paused_until, extract(epoch FROM demand_until) * 1000 AS demand_until,
                extract(epoch FROM retry_at) * 1000 AS retry_at, extract(epoch FROM probe_until) * 1000 AS probe_until, failures,
                extract(epoch FROM clock_timestamp()) * 1000 AS now
           FROM login_budgets WHERE credential_id = $1 FOR UPDATE`,
        [credentialId],
      )) as Array<{
        paused_until: string | null;
        demand_until: string | null;
        retry_at: string | null;
        probe_until: string | null;
        failures: number;
        now: string;
      }>;
      // Under the budget's row lock, so every login of this client ID, in every replica, is admitted one after the other.
      const admitted = await admit(manager);
      const now = Number(budget.now);
      if (budget.paused_until && Number(budget.paused_until) > now) {
        return { granted: false as const, waitMs: Number(budget.paused_until) - now, reason: 'paused' as const };
      }
      if (budget.retry_at && Number(budget.retry_at) > now) {
        return { granted: false as const, waitMs: Number(budget.retry_at) - now, reason: 'backing_off' as const };
      }
      if (budget.probe_until && Number(budget.probe_until) > now) {
        return { granted: false as const, waitMs: Math.min(PROBE_POLL_MS, Number(budget.probe_until) - now), reason: 'backing_off' as const };
      }
      await manager.query(`DELETE FROM upstream_logins WHERE credential_id = $1 AND at <= to_timestamp($2 / 1000.0)`, [
        credentialId,
        now - LoginBudget.HISTORY_MS,
      ]);
      const recent = (await manager.query(
        `SELECT extract(epoch FROM at) * 1000 AS at FROM upstream_logins WHERE credential_id = $1 AND at > to_timestamp($2 / 1000.0) ORDER BY at`,
        [credentialId, now - LoginBudget.WINDOW_MS],
      )) as Array<{ at: string }>;
      const demandWaiting = budget.demand_until !== null && Number(budget.demand_until) > now;
      // refreshSlotsSql states these rules (pause, demand, reserve, window) again in SQL for the refresher's claim: change both together.
      const cap = purpose === 'on_demand' ? limit : demandWaiting ? 0 : Math.max(0, limit - this.config.myinvois.onDemandReserve);
      if (recent.length < cap) {
        await manager.query('INSERT INTO upstream_logins (credential_id, at, purpose) VALUES ($1, to_timestamp($2 / 1000.0), $3)', [
          credentialId,
          now,
          purpose,
        ]);
        if (budget.failures > 0) {
          // The probe after a back-off: the others wait for its answer (or for it to time out, if its replica dies).
          await manager.query(`UPDATE login_budgets SET probe_until = to_timestamp($2 / 1000.0) WHERE credential_id = $1`, [
            credentialId,
            now + this.config.myinvois.timeoutMs + 2000,
          ]);
        }
        return { granted: true as const, admitted };
      }
      if (purpose === 'on_demand') {
        // Tell refreshers on every replica to stand back while requests wait.
        await manager.query(`UPDATE login_budgets SET demand_until = to_timestamp($2 / 1000.0) WHERE credential_id = $1`, [
          credentialId,
          now + this.config.myinvois.loginWaitMaxMs + 1000,
        ]);
      }
      const freesAt =
        cap === 0
          ? demandWaiting
            ? Number(budget.demand_until)
            : now + LoginBudget.WINDOW_MS
          : Number(recent[recent.length - cap].at) + LoginBudget.WINDOW_MS;
      return { granted: false as const, waitMs: Math.max(1, freesAt - now), reason: 'exhausted' as const };
    });
  }

  /** After a 429: no replica logs in with this client ID until MyInvois's stated time. */
  async pause(credentialId: string, waitMs: number): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO login_budgets (credential_id, paused_until, paused_retry_after_seconds) VALUES ($1, clock_timestamp() + make_interval(secs => $2), $3)
       ON CONFLICT (credential_id) DO UPDATE
         SET paused_until = greatest(coalesce(login_budgets.paused_until, clock_timestamp()), excluded.paused_until),
             paused_retry_after_seconds = excluded.paused_retry_after_seconds`,
      [credentialId, waitMs / 1000, Math.ceil(waitMs / 1000)],
    );
  }

  /**
   * MyInvois failed this client ID (transiently): no replica logs in with it before the
   * exponential back-off (LOGIN_BACKOFF_*, jittered) is over, nor before MyInvois's own
   * `Retry-After`. Answers when and after how many failures in a row.
   */
  async recordFailure(credentialId: string, retryAfterMs = 0): Promise<{ retryAt: Date; consecutiveFailures: number }> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('INSERT INTO login_budgets (credential_id) VALUES ($1) ON CONFLICT DO NOTHING', [credentialId]);
      const [row] = (await manager.query('SELECT failures FROM login_budgets WHERE credential_id = $1 FOR UPDATE', [credentialId])) as Array<{
        failures: number;
      }>;
      const failures = row.failures + 1;
      const waitMs = backoffMs(failures, this.config.myinvois.loginBackoff, retryAfterMs);
      const [updated] = (await manager.query(
        `UPDATE login_budgets SET failures = $2, retry_at = clock_timestamp() + make_interval(secs => $3), probe_until = NULL
          WHERE credential_id = $1 RETURNING retry_at`,
        [credentialId, failures, waitMs / 1000],
      )) as [Array<{ retry_at: Date }>, number];
      return { retryAt: updated[0].retry_at, consecutiveFailures: failures };
    });
  }

  /** How long one token key waits after its `failures`-th failure in a row that concerns it alone (a request error): LOGIN_BACKOFF_*, jittered. */
  keyBackoffMs(failures: number, retryAfterMs = 0): number {
    return backoffMs(failures, this.config.myinvois.loginBackoff, retryAfterMs);
  }

  /** MyInvois answered this client ID (a token, or a verdict on the request): the back-off, if any, is over. */
  async recordAnswered(credentialId: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE login_budgets SET failures = 0, retry_at = NULL, probe_until = NULL
        WHERE credential_id = $1 AND (failures > 0 OR retry_at IS NOT NULL OR probe_until IS NOT NULL)`,
      [credentialId],
    );
  }

  /** The figures of several client IDs in one query (a page of credentials), by credential id. */
  async figures(credentials: ReadonlyArray<{ id: string; loginRatePerMinute: number }>): Promise<Map<string, BudgetFigures>> {
    if (credentials.length === 0) return new Map();
    const rows = (await this.dataSource.query(
      `SELECT ids.id, b.paused_until, b.paused_retry_after_seconds, b.retry_at, b.probe_until, coalesce(b.failures, 0) AS failures,
              coalesce((SELECT array_agg(extract(epoch FROM u.at) * 1000 ORDER BY u.at) FROM upstream_logins u
                         WHERE u.credential_id = ids.id AND u.at > clock_timestamp() - make_interval(secs => $2)), '{}') AS logins,
              extract(epoch FROM clock_timestamp()) * 1000 AS now
         FROM unnest($1::uuid[]) AS ids(id)
         LEFT JOIN login_budgets b ON b.credential_id = ids.id`,
      [credentials.map((credential) => credential.id), LoginBudget.WINDOW_MS / 1000],
    )) as Array<{
      id: string;
      paused_until: Date | null;
      paused_retry_after_seconds: number | null;
      retry_at: Date | null;
      probe_until: Date | null;
      failures: number;
      logins: string[];
      now: string;
    }>;
    const limits = new Map(credentials.map((credential) => [credential.id, credential.loginRatePerMinute]));
    return new Map(
      rows.map((row) => {
        const now = Number(row.now);
        const logins = row.logins.map(Number);
        const limit = limits.get(row.id) ?? 1;
        // Full: the login that has to leave the window first for one more to fit.
        const nextSlotAtMs = logins.length < limit ? now : logins[logins.length - limit] + LoginBudget.WINDOW_MS;
        const paused = row.paused_until !== null && row.paused_until.getTime() > now;
        const backingOffUntil = [row.retry_at, row.probe_until].filter((at): at is Date => at !== null && at.getTime() > now);
        return [
          row.id,
          {
            usedInWindow: logins.length,
            nextSlotAt: new Date(nextSlotAtMs),
            pausedUntil: paused ? row.paused_until : null,
            pausedRetryAfterSeconds: paused ? row.paused_retry_after_seconds : null,
            backingOffUntil: backingOffUntil.length > 0 ? new Date(Math.max(...backingOffUntil.map((at) => at.getTime()))) : null,
            consecutiveFailures: row.failures,
          },
        ];
      }),
    );
  }

  /** Logins sent with this client ID in each minute of the last hour (HISTORY_MINUTES, the current one last), by every replica; empty minutes count 0. */
  async loginsPerMinute(credentialId: string): Promise<LoginMinute[]> {
    const rows = (await this.dataSource.query(
      `SELECT m.minute, count(u.at) FILTER (WHERE u.purpose = 'on_demand')::int AS on_demand, count(u.at) FILTER (WHERE u.purpose = 'refresh')::int AS refresh
         FROM generate_series(date_trunc('minute', clock_timestamp()) - make_interval(mins => $2 - 1), date_trunc('minute', clock_timestamp()), interval '1 minute') AS m(minute)
         LEFT JOIN upstream_logins u ON u.credential_id = $1 AND u.at >= m.minute AND u.at < m.minute + interval '1 minute'
        GROUP BY m.minute ORDER BY m.minute`,
      [credentialId, LoginBudget.HISTORY_MINUTES],
    )) as Array<{ minute: Date; on_demand: number; refresh: number }>;
    return rows.map((row) => ({ minute: row.minute, onDemand: row.on_demand, refresh: row.refresh }));
  }

  /**
   * SQL: how many slots background refreshes may take now for the credential row `c`, by the
   * rules of tryTake (none while paused, backing off or while a request waits; the on-demand reserve left
   * out; logins of the last WINDOW_MS counted). For planning a refresh batch in one statement;
   * each login still takes its own slot through tryTake, so a drift here misplans a batch (a
   * client ID without a slot takes room in it, or one with slots gets none) but never overspends.
   * Change it together with tryTake.
   */
  static refreshSlotsSql(onDemandReserve: string): string {
    return `CASE WHEN EXISTS (SELECT 1 FROM login_budgets b WHERE b.credential_id = c.id
                                 AND (b.paused_until > clock_timestamp() OR b.demand_until > clock_timestamp()
                                      OR b.retry_at > clock_timestamp() OR b.probe_until > clock_timestamp())) THEN 0
       ELSE greatest(0, c.login_rate_per_minute - ${onDemandReserve} - ${LoginBudget.loginsInWindowSql('c.id')}) END`;
  }

  /** SQL: logins of the credential `credentialId` (a column) in the last WINDOW_MS, in every replica. */
  static loginsInWindowSql(credentialId: string): string {
    return `(SELECT count(*)::int FROM upstream_logins u
              WHERE u.credential_id = ${credentialId} AND u.at > clock_timestamp() - make_interval(secs => ${LoginBudget.WINDOW_MS / 1000}))`;
  }
}
