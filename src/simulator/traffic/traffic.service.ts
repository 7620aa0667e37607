import { Injectable } from '@nestjs/common';
import { SimulatorConfig } from '../../config/simulator-config';
import { ClientsService } from '../clients/clients.service';
import { SimulatorError } from '../simulator.errors';
import { FailedAnswer, LoginRecord } from './login-record';
import { RateLimitDecision, SlidingWindowLimiter } from './sliding-window-limiter';
import { CountedEvent, Counters, TrafficCounters } from './traffic-counters';

const MAX_FAILED_ANSWERS = 200;

/** What the token endpoint saw, per client ID: counters, successful logins, and the rate-limit windows. */
@Injectable()
export class TrafficService {
  private readonly counters = new TrafficCounters();
  private readonly limiter: SlidingWindowLimiter;
  private readonly logins = new Map<string, LoginRecord[]>();
  private readonly failedAnswers = new Map<string, FailedAnswer[]>();

  constructor(
    private readonly config: SimulatorConfig,
    private readonly clients: ClientsService,
  ) {
    this.limiter = new SlidingWindowLimiter(config.rateLimit.windowSeconds * 1000);
  }

  /** Counts a request as received and in flight; the returned function ends it. */
  begin(clientId: string | undefined): () => void {
    return this.counters.begin(clientId);
  }

  record(clientId: string | undefined, event: CountedEvent): void {
    this.counters.record(clientId, event);
  }

  /**
   * Takes a slot in the client ID's window, or refuses (and counts the refusal). Unknown and
   * placeholder IDs are limited by the ID string too, as a gateway in front of the identity
   * service would; requests without any client ID are not limited.
   */
  admit(clientId: string | undefined): RateLimitDecision | undefined {
    if (clientId === undefined) return undefined;
    const limit = this.clients.find(clientId)?.rateLimitPerMinute ?? this.config.rateLimit.requestsPerWindow;
    const decision = this.limiter.attempt(clientId, limit);
    if (!decision.allowed) this.counters.record(clientId, 'rateLimited');
    return decision;
  }

  recordLogin(clientId: string, login: LoginRecord): void {
    this.counters.record(clientId, 'logins');
    const logins = this.logins.get(clientId) ?? [];
    logins.push(login);
    this.logins.set(clientId, logins);
  }

  /** Keeps the newest MAX_FAILED_ANSWERS of each client ID. */
  recordFailedAnswer(clientId: string | undefined, answer: FailedAnswer): void {
    if (clientId === undefined) return;
    const answers = this.failedAnswers.get(clientId) ?? [];
    answers.push(answer);
    if (answers.length > MAX_FAILED_ANSWERS) answers.shift();
    this.failedAnswers.set(clientId, answers);
  }

  /** Oldest first. */
  failedAnswersOf(clientId: string): FailedAnswer[] {
    const answers = this.failedAnswers.get(clientId);
    if (!answers && !this.clients.isRegistered(clientId)) throw SimulatorError.clientNotFound(clientId);
    return (answers ?? []).map((answer) => ({ ...answer }));
  }

  all(): { total: Counters; clients: Record<string, Counters> } {
    const { total, clients } = this.counters.all();
    // Registered clients appear even before their first request.
    for (const client of this.clients.list()) clients[client.clientId] ??= TrafficCounters.empty();
    return { total, clients };
  }

  forClient(clientId: string): Counters {
    const counters = this.counters.forClient(clientId);
    if (counters) return counters;
    if (this.clients.isRegistered(clientId)) return TrafficCounters.empty();
    throw SimulatorError.clientNotFound(clientId);
  }

  /** Oldest first. */
  loginsOf(clientId: string): LoginRecord[] {
    const logins = this.logins.get(clientId);
    if (!logins && !this.clients.isRegistered(clientId)) throw SimulatorError.clientNotFound(clientId);
    return (logins ?? []).map((login) => ({ ...login }));
  }

  /** Zeroes the counters and forgets logins and rate-limit windows, so a test starts clean. */
  reset(): void {
    this.counters.reset();
    this.limiter.reset();
    this.logins.clear();
    this.failedAnswers.clear();
  }
}
