import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Client } from 'pg';

type Handler = (payload: string | null) => void;

/**
 * One LISTEN connection per replica, so that a change committed by any replica reaches every
 * other one at once (for example: a principal disabled on replica A is refused on replica B).
 * Senders use `pg_notify(channel, payload)` inside the transaction that makes the change; it is
 * delivered on commit. After a lost connection, handlers get `null`: "you may have missed some",
 * once when it is lost and again once it is back (for what came in between).
 */
@Injectable()
export class DatabaseNotifications implements OnApplicationShutdown {
  private readonly logger = new Logger(DatabaseNotifications.name);
  private readonly handlers = new Map<string, Set<Handler>>();
  private client: Client | undefined;
  private connecting: Promise<void> | undefined;
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private missedSome = false;
  /** The client's queries, one after the other: pg refuses a query sent while another runs. */
  private queries: Promise<unknown> = Promise.resolve();

  constructor(private readonly databaseUrl: string) {}

  async listen(channel: string, handler: Handler): Promise<void> {
    if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`invalid channel name ${channel}`);
    const handlers = this.handlers.get(channel) ?? new Set<Handler>();
    handlers.add(handler);
    const isNew = !this.handlers.has(channel);
    this.handlers.set(channel, handlers);
    await this.ensureConnected();
    if (isNew) await this.inTurn((client) => client.query(`LISTEN ${channel}`));
  }

  /** Outside a transaction (inside one, use `SELECT pg_notify(...)` on its connection, delivered on commit). */
  async notify(channel: string, payload: string): Promise<void> {
    await this.ensureConnected();
    await this.inTurn((client) => client.query('SELECT pg_notify($1, $2)', [channel, payload]));
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    await this.client?.end().catch(() => undefined);
  }

  /** Runs a query on the current client once the queries before it are done. */
  private inTurn(query: (client: Client) => Promise<unknown>): Promise<unknown> {
    const turn = this.queries.then(() => (this.client ? query(this.client) : undefined));
    this.queries = turn.catch(() => undefined);
    return turn;
  }

  private ensureConnected(): Promise<void> {
    if (this.client) return Promise.resolve();
    this.connecting ??= this.connect().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.databaseUrl, application_name: 'myinvois-broker-listen' });
    client.on('notification', (message) => this.dispatch(message.channel, message.payload ?? ''));
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    await client.connect();
    for (const channel of this.handlers.keys()) await client.query(`LISTEN ${channel}`);
    this.client = client;
    if (this.missedSome) {
      this.missedSome = false;
      for (const channel of this.handlers.keys()) this.dispatch(channel, null);
    }
  }

  private lost(client: Client, error?: Error): void {
    if (this.client !== client) return;
    this.client = undefined;
    if (this.closed) return;
    this.logger.warn({ err: error }, 'lost the LISTEN connection; reconnecting');
    this.missedSome = true;
    for (const channel of this.handlers.keys()) this.dispatch(channel, null);
    this.scheduleReconnect(1000);
  }

  private scheduleReconnect(delayMs: number): void {
    this.reconnectTimer = setTimeout(() => {
      this.ensureConnected().catch((error: unknown) => {
        this.logger.warn({ err: error }, 'LISTEN reconnect failed');
        this.scheduleReconnect(Math.min(delayMs * 2, 30_000));
      });
    }, delayMs);
    this.reconnectTimer.unref();
  }

  private dispatch(channel: string, payload: string | null): void {
    for (const handler of this.handlers.get(channel) ?? []) {
      try {
        handler(payload);
      } catch (error) {
        this.logger.error({ err: error, channel }, 'notification handler failed');
      }
    }
  }
}
