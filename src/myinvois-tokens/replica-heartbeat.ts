import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';

/** Rows of processes gone this long are deleted at start-up (a crash leaves its row behind). */
const FORGET_AFTER_HOURS = 24;

/**
 * This broker process's row in `replica_heartbeats`, refreshed every
 * REPLICA_HEARTBEAT_INTERVAL_MS and deleted at a graceful shutdown. A lease names its owner;
 * an owner not seen for REPLICA_DEAD_AFTER_SECONDS is dead, and its leases are free at once,
 * instead of blocking the key until their `lease_until` (a `kill -9` runs no shutdown hook).
 */
@Injectable()
export class ReplicaHeartbeat implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ReplicaHeartbeat.name);
  /** This process, as its leases and admins name it (the columns hold 64 characters). */
  readonly owner = `${hostname().slice(0, 40)}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private timer: NodeJS.Timeout | undefined;
  private beating = false;
  /** Said once per outage, not once per beat. */
  private failing = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.dataSource.query(`DELETE FROM replica_heartbeats WHERE seen_at < clock_timestamp() - make_interval(hours => $1)`, [FORGET_AFTER_HOURS]);
    await this.beat();
    this.timer = setInterval(() => void this.beatOnce(), this.config.tokens.replicaHeartbeatIntervalMs);
    this.timer.unref();
  }

  /** After the HTTP server has closed: this process's leases are free for the others at once. */
  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.dataSource
      .query('DELETE FROM replica_heartbeats WHERE owner = $1', [this.owner])
      .catch((error: unknown) => this.logger.warn({ err: error }, 'could not remove this replica heartbeat; it goes stale on its own'));
  }

  /**
   * SQL, true when the lease of the `tokens` row `alias` is held: not run out, and its owner's
   * heartbeat fresh. The one definition, used wherever a lease is checked, inside the statement
   * that takes it (a claim must be atomic).
   */
  leaseHeldSql(alias: string): string {
    const deadAfter = Math.trunc(this.config.tokens.replicaDeadAfterSeconds);
    return `(${alias}.lease_until > clock_timestamp() AND EXISTS (SELECT 1 FROM replica_heartbeats h
             WHERE h.owner = ${alias}.lease_owner AND h.seen_at > clock_timestamp() - make_interval(secs => ${deadAfter})))`;
  }

  private async beatOnce(): Promise<void> {
    // A beat slower than the interval (a busy database) is not queued behind by another.
    if (this.beating) return;
    this.beating = true;
    try {
      await this.beat();
      if (this.failing) this.logger.log('this replica heartbeat is refreshed again');
      this.failing = false;
    } catch (error) {
      // Past REPLICA_DEAD_AFTER_SECONDS the other replicas may take this one's keys over.
      if (!this.failing) this.logger.warn({ err: error }, 'could not refresh this replica heartbeat');
      this.failing = true;
    } finally {
      this.beating = false;
    }
  }

  /** The database's clock, as every replica reads it when it judges a heartbeat. */
  private async beat(): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO replica_heartbeats (owner, seen_at) VALUES ($1, clock_timestamp())
       ON CONFLICT (owner) DO UPDATE SET seen_at = excluded.seen_at`,
      [this.owner],
    );
  }
}
