import { Injectable } from '@nestjs/common';
import { MetricsService } from '../metrics/metrics.service';

export interface AuditAvailabilitySnapshot {
  available: boolean;
  /** When the current state began on this replica (its start, for a log that has never failed). */
  since: Date;
  lastFailureAt: Date | null;
}

/**
 * Whether this replica could write its last audit event: set by every write, read by
 * `/metrics` (`broker_audit_available`) and by the admin API, so that both always agree.
 */
@Injectable()
export class AuditAvailability {
  private available = true;
  private since = new Date();
  private lastFailureAt: Date | null = null;

  constructor(private readonly metrics: MetricsService) {
    metrics.auditAvailable.set(1);
  }

  written(): void {
    if (!this.available) {
      this.available = true;
      this.since = new Date();
    }
    this.metrics.auditAvailable.set(1);
  }

  failed(): void {
    this.lastFailureAt = new Date();
    if (this.available) {
      this.available = false;
      this.since = this.lastFailureAt;
    }
    this.metrics.auditAvailable.set(0);
  }

  snapshot(): AuditAvailabilitySnapshot {
    return { available: this.available, since: this.since, lastFailureAt: this.lastFailureAt };
  }
}
