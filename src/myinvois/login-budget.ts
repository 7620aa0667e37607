import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { MyInvoisError } from './myinvois.errors';

export type LoginPurpose = 'on_demand' | 'refresh';

export type SlotDecision<T> = { granted: true; admitted: T } | { granted: false; waitMs: number; reason: 'exhausted' | 'paused' };

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
 */
@Injectable()
export class LoginBudget {
  static readonly WINDOW_MS = 61_000;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  /**
   * Waits up to `waitMaxMs` for a slot; then throws a 503 with Retry-After. `admit` runs again on
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
      if (waited + decision.waitMs > waitMaxMs) {
        this.metrics.loginBudgetExhausted.inc({ purpose, reason: decision.reason });
        throw MyInvoisError.budgetExhausted(decision.reason, Math.ceil((decision.waitMs + 50) / 1000));
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
                extract(epoch FROM clock_timestamp()) * 1000 AS now
           FROM login_budgets WHERE credential_id = $1 FOR UPDATE`,
        [credentialId],
      )) as Array<{ paused_until: string | null; demand_until: string | null; now: string }>;
      // Under the budget's row lock, so every login of this client ID, in every replica, is admitted one after the other.
      const admitted = await admit(manager);
      const now = Number(budget.now);
      if (budget.paused_until && Number(budget.paused_until) > now) {
        return { granted: false as const, waitMs: Number(budget.paused_until) - now, reason: 'paused' as const };
      }
      await manager.query(`DELETE FROM upstream_logins WHERE credential_id = $1 AND at <= to_timestamp($2 / 1000.0)`, [
        credentialId,
        now - LoginBudget.WINDOW_MS,
      ]);
      const recent = (await manager.query(`SELECT extract(epoch FROM at) * 1000 AS at FROM upstream_logins WHERE credential_id = $1 ORDER BY at`, [
        credentialId,
      ])) as Array<{ at: string }>;
      const demandWaiting = budget.demand_until !== null && Number(budget.demand_until) > now;
      // refreshSlotsSql states these rules (pause, demand, reserve, window) again in SQL for the refresher's claim: change both together.
      const cap = purpose === 'on_demand' ? limit : demandWaiting ? 0 : Math.max(0, limit - this.config.myinvois.onDemandReserve);
      if (recent.length < cap) {
        await manager.query('INSERT INTO upstream_logins (credential_id, at, purpose) VALUES ($1, to_timestamp($2 / 1000.0), $3)', [
          credentialId,
          now,
          purpose,
        ]);
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
      `INSERT INTO login_budgets (credential_id, paused_until) VALUES ($1, clock_timestamp() + make_interval(secs => $2))
       ON CONFLICT (credential_id) DO UPDATE SET paused_until = greatest(coalesce(login_budgets.paused_until, clock_timestamp()), excluded.paused_until)`,
      [credentialId, waitMs / 1000],
    );
  }

  /**
   * SQL: how many slots background refreshes may take now for the credential row `c`, by the
   * rules of tryTake (none while paused or while a request waits; the on-demand reserve left
   * out; logins of the last WINDOW_MS counted). For planning a refresh batch in one statement;
   * each login still takes its own slot through tryTake, so a drift here misplans a batch (a
   * client ID without a slot takes room in it, or one with slots gets none) but never overspends.
   * Change it together with tryTake.
   */
  static refreshSlotsSql(onDemandReserve: string): string {
    return `CASE WHEN EXISTS (SELECT 1 FROM login_budgets b WHERE b.credential_id = c.id
                                 AND (b.paused_until > clock_timestamp() OR b.demand_until > clock_timestamp())) THEN 0
       ELSE greatest(0, c.login_rate_per_minute - ${onDemandReserve} - ${LoginBudget.loginsInWindowSql('c.id')}) END`;
  }

  /** SQL: logins of the credential `credentialId` (a column) in the last WINDOW_MS, in every replica. */
  static loginsInWindowSql(credentialId: string): string {
    return `(SELECT count(*)::int FROM upstream_logins u
              WHERE u.credential_id = ${credentialId} AND u.at > clock_timestamp() - make_interval(secs => ${LoginBudget.WINDOW_MS / 1000}))`;
  }
}
