import type { DueToken } from '../myinvois-tokens/token-store';
import type { RefreshOutcome, RefreshResult } from '../myinvois-tokens/tokens.service';

/** What a round does with each leased key: the refresher supplies it (the token service, the store, its own bookkeeping). */
export interface RenewalWork {
  /** Renews a key; once it returns, the lease is settled (stored, recorded, given back or taken over). */
  refresh(token: DueToken): Promise<RefreshResult>;
  /** Gives back a lease that was not used, or whose renewal threw. */
  release(token: DueToken): Promise<void>;
  /** The lease is settled: no longer the refresher's to hand back at shutdown. */
  settled(token: DueToken): void;
  /** The replica is stopping: no renewal starts any more. */
  stopping(): boolean;
  counted(outcome: RefreshOutcome): void;
  failed(error: unknown, what: string): void;
}

/**
 * Renews a batch of leased due tokens: client IDs side by side, the keys of each one after the
 * other, the soonest to expire first (as claimed). A client ID's turn ends at the first renewal
 * that failed for the whole client ID (no slot, MyInvois failing, refusing or rate-limiting it),
 * or when the replica stops; the leases it has not used go back at once, rather than keep
 * requests for those keys waiting while the client ID cannot log in anyway. Resolves only once
 * every turn is over, whatever failed: shutdown waits for the round.
 */
export async function renewInTurns(batch: DueToken[], work: RenewalWork): Promise<void> {
  const byCredential = new Map<string, DueToken[]>();
  for (const token of batch) byCredential.set(token.lease.key.credentialId, [...(byCredential.get(token.lease.key.credentialId) ?? []), token]);
  await Promise.allSettled([...byCredential.values()].map((tokens) => turn(tokens, work)));
}

async function turn(tokens: DueToken[], work: RenewalWork): Promise<void> {
  let started = 0;
  try {
    while (started < tokens.length && !work.stopping()) {
      const { outcome, endsTurn } = await renew(tokens[started++], work);
      work.counted(outcome);
      if (endsTurn) break;
    }
  } finally {
    for (const token of tokens.slice(started)) await giveBack(token, work);
  }
}

async function renew(token: DueToken, work: RenewalWork): Promise<RefreshResult> {
  try {
    const result = await work.refresh(token);
    work.settled(token);
    return result;
  } catch (error) {
    // Unexpected (the database, the vault): the lease may still be ours, and the client ID's next keys would likely fail alike.
    work.failed(error, 'refreshing a token failed');
    await giveBack(token, work);
    return { outcome: 'failed', endsTurn: true };
  }
}

/** A lease that cannot be given back now (the database failing) stays unsettled, for shutdown to try again; else it runs out. */
async function giveBack(token: DueToken, work: RenewalWork): Promise<void> {
  try {
    await work.release(token);
    work.settled(token);
  } catch (error) {
    work.failed(error, 'could not give a refresh lease back');
  }
}
