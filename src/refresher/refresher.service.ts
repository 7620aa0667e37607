import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { LoginBudget } from '../myinvois/login-budget';
import { forecastTokensAtRisk } from '../myinvois-tokens/refresh-policy';
import { TokenStore } from '../myinvois-tokens/token-store';
import { TokensService } from '../myinvois-tokens/tokens.service';
import { renewInTurns, RenewalWork } from './renewal-turns';

const FORECAST_EVERY_MS = 15_000;
/** At shutdown, how long a login in progress may finish before its lease is handed back anyway. */
const SHUTDOWN_WAIT_MS = 3000;
const WARN_EVERY_MS = 5 * 60_000;

/**
 * Refresh-ahead of tokens in use. Every replica runs a round each REFRESH_INTERVAL_MS: it
 * leases a small batch of due tokens (SKIP LOCKED, so no two replicas refresh one token, and a
 * lease left by a replica that died runs out) and renews them within the login budget, the
 * soonest to expire first. A transient failure backs off; the old token stays in service.
 */
@Injectable()
export class RefresherService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RefresherService.name);
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private stopping = false;
  private readonly shutdown = new AbortController();
  private lastForecast = 0;
  private readonly lastWarning = new Map<string, number>();
  /** Client IDs the at-risk gauge was last set for, so that one leaving the forecast is cleared. */
  private forecastClientIds = new Set<string>();
  /** Leases this refresher claimed and has not settled: the only ones it hands back at shutdown. */
  private readonly held = new Set<string>();
  private readonly work: RenewalWork = {
    refresh: (token) => this.tokens.refresh(token, this.shutdown.signal),
    release: (token) => this.store.release(token.lease),
    settled: (token) => this.held.delete(token.lease.id),
    stopping: () => this.stopping,
    counted: (outcome) => this.metrics.refreshes.inc({ outcome }),
    failed: (error, what) => this.logger.error({ err: error }, what),
  };

  constructor(
    private readonly store: TokenStore,
    private readonly tokens: TokensService,
    private readonly metrics: MetricsService,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.refresh.enabled) return;
    this.schedule();
  }

  /**
   * A stopped replica finishes its round and hands its refresh leases back for others to take
   * at once. Requests still in flight keep theirs: the HTTP server closes after this hook and
   * lets them finish, and they store or give back their own leases.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.roundOrTimeout();
    // A login still waiting on MyInvois is abandoned, so that its bookkeeping happens while the pool is open.
    this.shutdown.abort();
    await this.roundOrTimeout();
    // Whatever the round has not finished with by now (stuck on the database, say) goes back here.
    const released = await this.store.releaseLeases([...this.held]).catch(() => 0);
    if (released > 0) this.logger.log({ released }, 'released token leases');
  }

  private async roundOrTimeout(): Promise<void> {
    await Promise.race([this.round?.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, SHUTDOWN_WAIT_MS).unref())]);
  }

  /** One round: public so that tests and operators can trigger it. */
  async runRound(): Promise<void> {
    const due = await this.store.claimDue(this.config.refresh.batchSize, this.config.refresh.activeWindowSeconds);
    for (const token of due) this.held.add(token.lease.id);
    await renewInTurns(due, this.work);
    if (Date.now() - this.lastForecast > FORECAST_EVERY_MS) {
      this.lastForecast = Date.now();
      await this.forecast();
    }
  }

  /** Says so when a client ID's budget cannot renew its tokens in use before they expire. */
  private async forecast(): Promise<void> {
    const now = Date.now();
    const forecast = new Set<string>();
    for (const credential of await this.store.inUseExpiries(this.config.refresh.activeWindowSeconds)) {
      const atRisk = forecastTokensAtRisk(credential, this.config.myinvois.onDemandReserve, LoginBudget.WINDOW_MS, now);
      this.metrics.refreshTokensAtRisk.set({ client_id: credential.clientId }, atRisk);
      forecast.add(credential.clientId);
      if (atRisk > 0 && now - (this.lastWarning.get(credential.credentialId) ?? 0) > WARN_EVERY_MS) {
        this.lastWarning.set(credential.credentialId, now);
        this.logger.warn(
          {
            clientId: credential.clientId,
            credentialId: credential.credentialId,
            tokensInUse: credential.expiriesMs.length,
            tokensAtRisk: atRisk,
            loginsPerMinute: credential.limit,
          },
          `the login budget of client ID ${credential.clientId} cannot renew ${atRisk} token(s) in use before they expire; requests will wait for logins`,
        );
      }
    }
    // A client ID no longer in use (or now invalid) is no longer at risk.
    for (const clientId of this.forecastClientIds) if (!forecast.has(clientId)) this.metrics.refreshTokensAtRisk.remove({ client_id: clientId });
    this.forecastClientIds = forecast;
  }

  private schedule(): void {
    if (this.stopping) return;
    this.timer = setTimeout(() => {
      this.round = this.runRound()
        .catch((error: unknown) => this.logger.error({ err: error }, 'refresh round failed'))
        .finally(() => {
          this.round = undefined;
          this.schedule();
        });
    }, this.config.refresh.intervalMs);
    this.timer.unref();
  }
}
