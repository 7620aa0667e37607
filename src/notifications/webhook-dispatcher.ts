import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryRunner } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { nextAttemptDelay, RetryPolicy } from './delivery-retry';
import { WebhookSecrets } from './webhook-secrets';
import { AttemptResult, WebhookSender } from './webhook-sender';

interface DueDelivery {
  id: string;
  endpoint_id: string;
  event_id: string;
  attempts: number;
  age_ms: number;
  url: string;
  secret: Buffer;
  previous_secret: Buffer | null;
  previous_in_grace: boolean;
  data_key_wrapped: Buffer;
  key_version: string;
  payload: Record<string, unknown>;
}

/** Attempts in flight per replica: each holds a database connection for its duration. */
const WORKERS = 2;

/**
 * Delivers the outbox from every replica. A worker takes the first due delivery of an endpoint
 * whose earlier deliveries are all done (so each endpoint receives its events in order), locks
 * it with SKIP LOCKED (so no two replicas attempt the same one) and keeps the lock for the
 * attempt: a replica that dies mid-attempt releases it with its connection, and another
 * replica tries again, with the same `webhook-id`.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookDispatcher.name);
  private readonly retry: RetryPolicy;
  private stopping = false;
  private workers: Promise<void>[] = [];
  private wake: Array<() => void> = [];
  private measuredAt = 0;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly sender: WebhookSender,
    private readonly secrets: WebhookSecrets,
    private readonly metrics: MetricsService,
    private readonly config: AppConfig,
  ) {
    const webhooks = config.webhooks;
    this.retry = { baseMs: webhooks.retryBaseMs, maxMs: webhooks.retryMaxMs, giveUpAfterMs: webhooks.retryHours * 3_600_000 };
  }

  onApplicationBootstrap(): void {
    this.workers = Array.from({ length: WORKERS }, (_, index) => this.work(index));
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    for (const wake of this.wake) wake();
    await Promise.all(this.workers);
  }

  private async work(index: number): Promise<void> {
    while (!this.stopping) {
      let delivered = false;
      try {
        delivered = await this.deliverOne();
        if (index === 0 && Date.now() - this.measuredAt >= this.config.webhooks.pollMs) await this.measureQueue();
      } catch (error) {
        this.logger.error({ err: error }, 'webhook delivery round failed');
      }
      if (!delivered && !this.stopping) await this.sleep(this.config.webhooks.pollMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const wake = this.wake;
      function done() {
        clearTimeout(timer);
        wake.splice(wake.indexOf(done), 1);
        resolve();
      }
      wake.push(done);
    });
  }

  /** One attempt of one due delivery; false when none was due. */
  async deliverOne(): Promise<boolean> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      const [due] = (await runner.query(
        `SELECT d.id, d.endpoint_id, d.event_id, d.attempts, (extract(epoch FROM now() - d.created_at) * 1000)::bigint AS age_ms,
                e.url, e.secret, e.previous_secret, coalesce(e.previous_secret_until > now(), false) AS previous_in_grace,
                e.data_key_wrapped, e.key_version, ev.payload
           FROM webhook_deliveries d
           JOIN webhook_endpoints e ON e.id = d.endpoint_id
           JOIN webhook_events ev ON ev.id = d.event_id
          WHERE d.status = 'pending' AND d.next_attempt_at <= now() AND e.enabled
            AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p WHERE p.endpoint_id = d.endpoint_id AND p.status = 'pending' AND p.seq < d.seq)
          ORDER BY d.next_attempt_at, d.seq
          LIMIT 1
          FOR UPDATE OF d SKIP LOCKED`,
      )) as DueDelivery[];
      if (!due) {
        await runner.commitTransaction();
        return false;
      }
      const secrets = await this.secrets.open(
        due.endpoint_id,
        {
          secret: due.secret,
          previousSecret: due.previous_secret,
          dataKeyWrapped: due.data_key_wrapped,
          keyVersion: due.key_version,
        },
        due.previous_in_grace,
      );
      const result = await this.sender.send(due.url, due.event_id, JSON.stringify(due.payload), secrets);
      await this.record(runner, due, result);
      await runner.commitTransaction();
      return true;
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
  }

  private async record(runner: QueryRunner, due: DueDelivery, result: AttemptResult): Promise<void> {
    const attempts = due.attempts + 1;
    const answered = result.kind === 'answered' ? result : undefined;
    const lastError = result.kind === 'failed' ? result.error : null;
    const fields = [due.id, attempts, answered?.status ?? null, answered?.body ?? null, lastError];
    if (answered && answered.status >= 200 && answered.status < 300) {
      await runner.query(
        `UPDATE webhook_deliveries SET status = 'delivered', attempts = $2, last_attempt_at = now(), last_status = $3, last_response = $4, last_error = $5,
                delivered_at = now() WHERE id = $1`,
        fields,
      );
      this.metrics.webhookDeliveries.inc({ outcome: 'delivered' });
      return;
    }
    if (answered?.status === 410) {
      // The receiver says it is gone for good: stop sending to it; what waits is kept for when it is enabled again.
      await runner.query(
        `UPDATE webhook_deliveries SET status = 'failed', attempts = $2, last_attempt_at = now(), last_status = $3, last_response = $4, last_error = $5 WHERE id = $1`,
        fields,
      );
      await runner.query(`UPDATE webhook_endpoints SET enabled = false, disabled_reason = 'the receiver answered 410 Gone', updated_at = now() WHERE id = $1`, [
        due.endpoint_id,
      ]);
      this.metrics.webhookDeliveries.inc({ outcome: 'gone' });
      this.logger.warn({ endpointId: due.endpoint_id, deliveryId: due.id }, 'webhook receiver answered 410 Gone: endpoint disabled');
      return;
    }
    const delay = nextAttemptDelay(this.retry, attempts, Number(due.age_ms));
    if (delay === null) {
      await runner.query(
        `UPDATE webhook_deliveries SET status = 'failed', attempts = $2, last_attempt_at = now(), last_status = $3, last_response = $4, last_error = $5 WHERE id = $1`,
        fields,
      );
      this.metrics.webhookDeliveries.inc({ outcome: 'failed' });
      this.logger.warn({ endpointId: due.endpoint_id, deliveryId: due.id, attempts }, 'webhook delivery failed: retried for WEBHOOK_RETRY_HOURS');
      return;
    }
    await runner.query(
      `UPDATE webhook_deliveries SET attempts = $2, last_attempt_at = now(), last_status = $3, last_response = $4, last_error = $5,
              next_attempt_at = now() + make_interval(secs => $6) WHERE id = $1`,
      [...fields, delay / 1000],
    );
    this.metrics.webhookDeliveries.inc({ outcome: result.kind === 'failed' && result.refusedAddress ? 'refused_address' : 'retry' });
  }

  private async measureQueue(): Promise<void> {
    this.measuredAt = Date.now();
    const [row] = (await this.dataSource.query(
      `SELECT count(*)::int AS depth, coalesce(extract(epoch FROM now() - min(created_at)), 0)::float AS oldest FROM webhook_deliveries WHERE status = 'pending'`,
    )) as Array<{ depth: number; oldest: number }>;
    this.metrics.webhookQueueDepth.set(row.depth);
    this.metrics.webhookOldestUndeliveredSeconds.set(row.oldest);
  }
}
