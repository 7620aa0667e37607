import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { MyInvoisError } from './myinvois.errors';

export type LoginPurpose = 'on_demand' | 'refresh';

export type SlotDecision = { granted: true } | { granted: false; waitMs: number; reason: 'exhausted' | 'paused' };

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

  /** Waits up to `waitMaxMs` for a slot; then throws a 503 with Retry-After. */
  async take(credentialId: string, limit: number, purpose: LoginPurpose, waitMaxMs = this.config.myinvois.loginWaitMaxMs): Promise<void> {
    const started = Date.now();
    for (;;) {
      const decision = await this.tryTake(credentialId, limit, purpose);
      if (decision.granted) {
        this.metrics.loginBudgetWaitSeconds.observe({ purpose }, (Date.now() - started) / 1000);
        return;
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

  async tryTake(credentialId: string, limit: number, purpose: LoginPurpose): Promise<SlotDecision> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('INSERT INTO login_budgets (credential_id) VALUES ($1) ON CONFLICT DO NOTHING', [credentialId]);
      const [budget] = (await manager.query(
        `SELECT extract(epoch FROM paused_until) * 1000 AS paused_until, extract(epoch FROM demand_until) * 1000 AS demand_until,
                extract(epoch FROM clock_timestamp()) * 1000 AS now
           FROM login_budgets WHERE credential_id = $1 FOR UPDATE`,
        [credentialId],
      )) as Array<{ paused_until: string | null; demand_until: string | null; now: string }>;
      const now = Number(budget.now);
      if (budget.paused_until && Number(budget.paused_until) > now) {
        return { granted: false as const, waitMs: Number(budget.paused_until) - now, reason: 'paused' as const };
      }
      await manager.query(`DELETE FROM upstream_logins WHERE credential_id = $1 AND at <= to_timestamp($2 / 1000.0)`, [credentialId, now - LoginBudget.WINDOW_MS]);
      const recent = (await manager.query(`SELECT extract(epoch FROM at) * 1000 AS at FROM upstream_logins WHERE credential_id = $1 ORDER BY at`, [
        credentialId,
      ])) as Array<{ at: string }>;
      const demandWaiting = budget.demand_until !== null && Number(budget.demand_until) > now;
      const cap = purpose === 'on_demand' ? limit : demandWaiting ? 0 : Math.max(0, limit - this.config.myinvois.onDemandReserve);
      if (recent.length < cap) {
        await manager.query('INSERT INTO upstream_logins (credential_id, at, purpose) VALUES ($1, to_timestamp($2 / 1000.0), $3)', [
          credentialId,
          now,
          purpose,
        ]);
        return { granted: true as const };
      }
      if (purpose === 'on_demand') {
        // Tell refreshers on every replica to stand back while requests wait.
        await manager.query(`UPDATE login_budgets SET demand_until = to_timestamp($2 / 1000.0) WHERE credential_id = $1`, [
          credentialId,
          now + this.config.myinvois.loginWaitMaxMs + 1000,
        ]);
      }
      const freesAt = cap === 0 ? (demandWaiting ? Number(budget.demand_until) : now + LoginBudget.WINDOW_MS) : Number(recent[recent.length - cap].at) + LoginBudget.WINDOW_MS;
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

  /** Slots left in the current window (for the refresher's planning). */
  async remaining(credentialId: string, limit: number): Promise<number> {
    const [row] = (await this.dataSource.query(
      `SELECT count(*)::int AS n FROM upstream_logins WHERE credential_id = $1 AND at > clock_timestamp() - make_interval(secs => $2)`,
      [credentialId, LoginBudget.WINDOW_MS / 1000],
    )) as Array<{ n: number }>;
    return Math.max(0, limit - row.n);
  }
}
