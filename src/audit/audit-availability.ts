import { Injectable } from '@nestjs/common';
import { MetricsService } from '../metrics/metrics.service';

export interface AuditAvailabilitySnapshot {
  available: boolean;
  /** When the current state began on this replica (its start, for a log that has never failed). */
  since: Date;
  lastFailureAt: Date | null;
}

export interface AuditOutage {
  since: Date;
  lastFailureAt: Date;
  until: Date;
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
  private endedOutages: AuditOutage[] = [];

  constructor(private readonly metrics: MetricsService) {
    metrics.auditAvailable.set(1);
  }

  written(): void {
    if (!this.available) {
      this.available = true;
      const until = new Date();
      // Kept to be told once the log takes writes again: while it failed, nothing could be written about it.
      if (this.endedOutages.length < 100) this.endedOutages.push({ since: this.since, lastFailureAt: this.lastFailureAt ?? this.since, until });
      this.since = until;
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

  /** Outages of this replica's audit writes that have ended and not been reported yet; the caller reports them or gives them back. */
  takeEndedOutages(): AuditOutage[] {
    const ended = this.endedOutages;
    this.endedOutages = [];
    return ended;
  }

  giveBack(outages: AuditOutage[]): void {
    this.endedOutages.unshift(...outages);
  }

  snapshot(): AuditAvailabilitySnapshot {
    return { available: this.available, since: this.since, lastFailureAt: this.lastFailureAt };
  }
}
