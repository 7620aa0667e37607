/** What a request does when another acquisition holds the key it needs. */
export type BusyVerdict =
  /** Claim again after this pause. */
  | { kind: 'claim_again'; afterMs: number }
  /** LOGIN_WAIT_MAX_MS is spent: answer 503, and suggest when to ask again. */
  | { kind: 'give_up'; retryAfterSeconds: number };

export interface BusyWait {
  /** When this request started waiting for the key. */
  startedMs: number;
  nowMs: number;
  /** How long the holder's lease still runs. */
  leaseLeftMs: number;
  /** LOGIN_WAIT_MAX_MS. */
  waitMaxMs: number;
  /** REPLICA_DEAD_AFTER_SECONDS: a holder that died frees the key within this, so no caller is told to wait longer. */
  deadAfterSeconds: number;
  /** The pause between claims (jittered by the caller). */
  pollMs: number;
}

/**
 * A request waits for another acquisition at most LOGIN_WAIT_MAX_MS, never until a lease runs
 * out: the holder is alive (a dead one's lease is free), so its token is usually in the row
 * within moments; past the wait, the caller is better told to come back.
 */
export function whileBusy(wait: BusyWait): BusyVerdict {
  const leftMs = wait.startedMs + wait.waitMaxMs - wait.nowMs;
  if (leftMs <= 0) {
    const retryAfterSeconds = Math.min(wait.deadAfterSeconds, Math.ceil(Math.max(0, wait.leaseLeftMs) / 1000));
    return { kind: 'give_up', retryAfterSeconds: Math.max(1, retryAfterSeconds) };
  }
  return { kind: 'claim_again', afterMs: Math.max(1, Math.min(wait.pollMs, leftMs)) };
}
