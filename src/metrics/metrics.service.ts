import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The broker's Prometheus metrics, all in one registry. Modules increment what they own; names
 * follow Prometheus conventions (`_total` counters, base units).
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly auditEvents = new Counter({
    name: 'broker_audit_events_total',
    help: 'Audit events committed, by how they were written',
    labelNames: ['path'] as const,
    registers: [this.registry],
  });

  readonly auditCommits = new Counter({
    name: 'broker_audit_group_commits_total',
    help: 'Transactions that committed a batch of group-committed audit events',
    registers: [this.registry],
  });

  readonly auditBatchSize = new Histogram({
    name: 'broker_audit_batch_size',
    help: 'Events per group commit',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
    registers: [this.registry],
  });

  readonly auditFailures = new Counter({
    name: 'broker_audit_write_failures_total',
    help: 'Audit events that could not be written',
    registers: [this.registry],
  });

  readonly auditAvailable = new Gauge({
    name: 'broker_audit_available',
    help: '1 while the audit log accepts writes, 0 after the last write failed',
    registers: [this.registry],
  });

  readonly webhookDeliveries = new Counter({
    name: 'broker_webhook_deliveries_total',
    help: 'Webhook delivery attempts, by outcome (delivered, retry, failed, gone, refused_address)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly webhookQueueDepth = new Gauge({
    name: 'broker_webhook_queue_depth',
    help: 'Webhook deliveries not yet delivered nor failed, on every endpoint (read by the last poll of this replica)',
    registers: [this.registry],
  });

  readonly webhookOldestUndeliveredSeconds = new Gauge({
    name: 'broker_webhook_oldest_undelivered_seconds',
    help: 'Age of the oldest webhook delivery not yet delivered nor failed; 0 when there is none',
    registers: [this.registry],
  });

  readonly loginBudgetWaitSeconds = new Histogram({
    name: 'broker_login_budget_wait_seconds',
    help: 'Time spent waiting for a slot of a client ID login budget',
    labelNames: ['purpose'] as const,
    buckets: [0, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30],
    registers: [this.registry],
  });

  readonly loginBudgetExhausted = new Counter({
    name: 'broker_login_budget_exhausted_total',
    help: 'Logins refused because the client ID budget was spent, paused after a 429, or backing off after MyInvois failed',
    labelNames: ['purpose', 'reason'] as const,
    registers: [this.registry],
  });

  readonly upstreamLogins = new Counter({
    name: 'broker_upstream_logins_total',
    help: 'Logins sent to MyInvois, by outcome',
    labelNames: ['outcome', 'purpose'] as const,
    registers: [this.registry],
  });

  readonly tokenRequests = new Counter({
    name: 'broker_token_requests_total',
    help: 'Token requests of internal services, by where the token came from (memory, table, login) or error',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  readonly tokenRepeatExposures = new Counter({
    name: 'broker_token_repeat_exposures_total',
    help: 'Token hand-outs to a caller that already had that token (not audited again)',
    registers: [this.registry],
  });

  readonly refreshes = new Counter({
    name: 'broker_refreshes_total',
    help: 'Background token renewals, by outcome (refreshed, deferred for lack of budget, skipped, failed)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly refreshTokensAtRisk = new Gauge({
    name: 'broker_refresh_tokens_at_risk',
    help: 'Tokens in use that the client ID login budget cannot renew before they expire',
    labelNames: ['client_id'] as const,
    registers: [this.registry],
  });

  readonly keyRingOperations = new Counter({
    name: 'broker_vault_key_ring_operations_total',
    help: 'Calls to the vault key rings (wrap, unwrap, check_value), by ring (local, pkcs11) and outcome (success, integrity_error, unavailable, error)',
    labelNames: ['ring', 'operation', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly keyRingOperationSeconds = new Histogram({
    name: 'broker_vault_key_ring_operation_seconds',
    help: 'Time a key ring call took, by ring and operation',
    labelNames: ['ring', 'operation'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly keyRingAvailable = new Gauge({
    name: 'broker_vault_key_ring_available',
    help: '1 while the key ring answers, 0 while it is unavailable (logins then fail with 503 vault_unavailable)',
    labelNames: ['ring'] as const,
    registers: [this.registry],
  });

  readonly pkcs11Calls = new Counter({
    name: 'broker_vault_pkcs11_calls_total',
    help: 'PKCS#11 functions called on the device, by function (C_Decrypt, C_Login, ...)',
    labelNames: ['function'] as const,
    registers: [this.registry],
  });

  readonly dataKeyCacheLookups = new Counter({
    name: 'broker_vault_data_key_cache_lookups_total',
    help: 'Data keys looked up in memory before asking the key ring, by result (hit, miss)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly dataKeyCacheEntries = new Gauge({
    name: 'broker_vault_data_key_cache_entries',
    help: 'Unwrapped data keys held in memory (VAULT_DATA_KEY_CACHE_SECONDS)',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'broker_' });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
