import { Injectable, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { LoginBudget } from '../myinvois/login-budget';
import { CredentialsService } from '../vault/credentials.service';
import { CredentialBudgetDto, CredentialLoginsDto } from '../vault/dto/credential-budget.dto';
import { forecastTokensAtRisk } from './refresh-policy';
import { TokenStore } from './token-store';

/**
 * The login budget of credentials as an operator sees it: the budget's own figures (the login
 * budget's tables) beside the tokens that draw on it (the tokens table), each read by its owner
 * in one query for a whole page, and the refresher's forecast computed from them.
 */
@Injectable()
export class CredentialBudgets implements OnModuleInit {
  constructor(
    private readonly budget: LoginBudget,
    private readonly store: TokenStore,
    private readonly credentials: CredentialsService,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    // The vault's credential list shows each item's budget; it asks here, as it cannot depend on this module.
    this.credentials.setCredentialBudgets((page) => this.of(page));
  }

  async forCredential(id: string): Promise<CredentialBudgetDto> {
    const credential = await this.credentials.budgetSubject(id);
    return (await this.of([credential])).get(id)!;
  }

  async loginsPerMinute(id: string): Promise<CredentialLoginsDto> {
    const credential = await this.credentials.budgetSubject(id);
    const minutes = await this.budget.loginsPerMinute(id);
    return {
      limitPerMinute: credential.loginRatePerMinute,
      minutes: minutes.map((minute) => ({
        minute: minute.minute.toISOString(),
        logins: minute.onDemand + minute.refresh,
        onDemand: minute.onDemand,
        refresh: minute.refresh,
      })),
    };
  }

  async of(credentials: ReadonlyArray<{ id: string; loginRatePerMinute: number }>): Promise<Map<string, CredentialBudgetDto>> {
    if (credentials.length === 0) return new Map();
    const ids = credentials.map((credential) => credential.id);
    const [budgets, tokens] = await Promise.all([this.budget.figures(credentials), this.store.budgetFigures(ids, this.config.refresh.activeWindowSeconds)]);
    const now = Date.now();
    return new Map(
      credentials.map((credential) => {
        const budget = budgets.get(credential.id)!;
        const held = tokens.get(credential.id) ?? { leasesHeld: 0, tokensInUse: 0, renewableExpiriesMs: [] };
        const tokensAtRisk = forecastTokensAtRisk(
          { limit: credential.loginRatePerMinute, loginsInWindow: budget.usedInWindow, expiriesMs: held.renewableExpiriesMs },
          this.config.myinvois.onDemandReserve,
          LoginBudget.WINDOW_MS,
          now,
        );
        return [
          credential.id,
          {
            limitPerMinute: credential.loginRatePerMinute,
            usedInWindow: budget.usedInWindow,
            nextSlotAt: budget.nextSlotAt.toISOString(),
            pausedUntil: budget.pausedUntil?.toISOString() ?? null,
            pausedRetryAfterSeconds: budget.pausedRetryAfterSeconds,
            backingOffUntil: budget.backingOffUntil?.toISOString() ?? null,
            consecutiveFailures: budget.consecutiveFailures,
            renewalsInProgress: held.leasesHeld,
            tokensInUse: held.tokensInUse,
            tokensAtRisk,
          },
        ];
      }),
    );
  }
}
