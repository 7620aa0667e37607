import { Injectable } from '@nestjs/common';

/** What a module says about its part of readiness: reported in `/health/ready`, never failing it. */
export type ReadinessReport = () => Record<string, unknown>;

/**
 * Parts of readiness that domain modules report (the vault's key ring), registered here so that
 * health needs no import of theirs. They are shown, not enforced: a replica whose key ring is
 * down still serves every cached token, which a failing readiness check would stop.
 */
@Injectable()
export class Readiness {
  private readonly reports = new Map<string, ReadinessReport>();

  register(name: string, report: ReadinessReport): void {
    this.reports.set(name, report);
  }

  all(): ReadonlyMap<string, ReadinessReport> {
    return this.reports;
  }
}
