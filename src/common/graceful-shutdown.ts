import type { Logger } from 'pino';

export interface ShutdownPlan {
  log: Logger;
  /** After this long the process exits with 1 whatever is still running. */
  graceMs: number;
  /** Said in the log when a signal arrives. */
  announcement: string;
  /** Runs at once on the first signal (for example: report not ready). */
  onSignal?: () => void;
  /** Closes everything, in order; the process exits 0 when it resolves. */
  close: () => Promise<void>;
}

/** SIGTERM and SIGINT stop the process once, gracefully, within a deadline. */
export function exitGracefullyOnSignals(plan: ShutdownPlan): void {
  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    plan.log.info({ signal }, plan.announcement);
    plan.onSignal?.();
    const deadline = setTimeout(() => {
      plan.log.error({ graceMs: plan.graceMs }, 'shutdown took longer than its deadline; exiting anyway');
      process.exit(1);
    }, plan.graceMs);
    deadline.unref();
    try {
      await plan.close();
      plan.log.info('stopped');
      process.exit(0);
    } catch (error) {
      plan.log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', (signal) => void shutdown(signal));
  process.on('SIGINT', (signal) => void shutdown(signal));
}
