import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { systemActor } from '../common/actor';
import { AuditService } from '../audit/audit.service';
import { MAX_PAGE_SIZE } from '../common/pagination';
import { AppConfig } from '../config/app-config';
import { CredentialsService } from '../vault/credentials.service';

/** One lock id for "a replica is comparing budget forecasts". */
const WATCH_LOCK = 0x0b0d6e75;

/**
 * Every BUDGET_RISK_CHECK_SECONDS one replica reads each credential's budget forecast (tokens
 * that will expire before the client ID's budget can renew them) and compares it with the one
 * last notified: going above zero, and back to zero, is audited as `budget.tokens_at_risk`
 * (and so sent), once per change, whatever the number of replicas.
 */
@Injectable()
export class BudgetRiskWatch implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(BudgetRiskWatch.name);
  private timer: NodeJS.Timeout | undefined;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly credentials: CredentialsService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(
      () => void this.check().catch((error) => this.logger.error({ err: error }, 'budget forecast check failed')),
      this.config.webhooks.budgetRiskCheckSeconds * 1000,
    );
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** The number of changes notified. */
  async check(): Promise<number> {
    const forecasts: Array<{ id: string; clientId: string; environment: string; tokensAtRisk: number }> = [];
    let cursor: string | undefined;
    do {
      const page = await this.credentials.list({ limit: MAX_PAGE_SIZE, cursor });
      for (const item of page.items) {
        if (item.budget) forecasts.push({ id: item.id, clientId: item.clientId, environment: item.environment, tokensAtRisk: item.budget.tokensAtRisk });
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return this.dataSource.transaction(async (manager) => {
      const [{ locked }] = (await manager.query('SELECT pg_try_advisory_xact_lock($1) AS locked', [WATCH_LOCK])) as Array<{ locked: boolean }>;
      if (!locked) return 0;
      const rows = (await manager.query('SELECT credential_id, tokens_at_risk FROM budget_risk_states WHERE credential_id = ANY($1::uuid[])', [
        forecasts.map((forecast) => forecast.id),
      ])) as Array<{ credential_id: string; tokens_at_risk: number }>;
      const last = new Map(rows.map((row) => [row.credential_id, row.tokens_at_risk]));
      let changes = 0;
      for (const forecast of forecasts) {
        const before = last.get(forecast.id) ?? 0;
        if (before > 0 === forecast.tokensAtRisk > 0) continue;
        await manager.query(
          `INSERT INTO budget_risk_states (credential_id, tokens_at_risk, changed_at) VALUES ($1, $2, now())
           ON CONFLICT (credential_id) DO UPDATE SET tokens_at_risk = excluded.tokens_at_risk, changed_at = excluded.changed_at`,
          [forecast.id, forecast.tokensAtRisk],
        );
        await this.audit.record(manager, {
          actor: systemActor('budget-forecast'),
          action: 'budget.tokens_at_risk',
          outcome: forecast.tokensAtRisk > 0 ? 'failure' : 'success',
          target: { type: 'credential', id: forecast.id },
          details: { clientId: forecast.clientId, environment: forecast.environment, atRisk: forecast.tokensAtRisk > 0, tokensAtRisk: forecast.tokensAtRisk },
        });
        changes += 1;
      }
      return changes;
    });
  }
}
