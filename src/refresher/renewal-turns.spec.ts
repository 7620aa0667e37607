import type { DueToken } from '../myinvois-tokens/token-store';
import type { RefreshResult } from '../myinvois-tokens/tokens.service';
import { renewInTurns, RenewalWork } from './renewal-turns';

/** A due token of a client ID (its credential), named by its lease id. */
function due(credentialId: string, leaseId: string): DueToken {
  return {
    lease: { key: { credentialId, onBehalfOf: leaseId, scope: 'InvoicingAPI' }, id: leaseId },
    tenantId: `tenant-${leaseId}`,
    failures: 0,
    expiresAtMs: null,
  };
}

const refreshed: RefreshResult = { outcome: 'refreshed', endsTurn: false };

/** Work that records what the round did with each lease; every lease must end up settled, none left to run out. */
function recording(
  refresh: (token: DueToken) => Promise<RefreshResult>,
  options: { stopping?: () => boolean; release?: (token: DueToken) => Promise<void> } = {},
) {
  const started: string[] = [];
  const released: string[] = [];
  const unsettled = new Set<string>();
  const work: RenewalWork = {
    refresh: (token) => {
      started.push(token.lease.id);
      return refresh(token);
    },
    release: async (token) => {
      await options.release?.(token);
      released.push(token.lease.id);
    },
    settled: (token) => unsettled.delete(token.lease.id),
    stopping: options.stopping ?? (() => false),
    counted: () => undefined,
    failed: () => undefined,
  };
  const run = (batch: DueToken[]) => {
    for (const token of batch) unsettled.add(token.lease.id);
    return renewInTurns(batch, work);
  };
  return { run, started, released, unsettled };
}

describe('renewals in turns per client ID', () => {
  it('ends a client ID turn at a failure of the client ID and gives its unused leases back; other client IDs go on', async () => {
    const round = recording(async (token) => (token.lease.id === 'a1' ? { outcome: 'failed', endsTurn: true } : refreshed));
    await round.run([due('a', 'a1'), due('a', 'a2'), due('a', 'a3'), due('b', 'b1'), due('b', 'b2')]);
    expect(round.started.sort()).toEqual(['a1', 'b1', 'b2']);
    expect(round.released.sort()).toEqual(['a2', 'a3']);
    expect(round.unsettled.size).toBe(0);
  });

  it('goes on with the client ID after a failure of one key alone', async () => {
    const round = recording(async (token) => (token.lease.id === 'a1' ? { outcome: 'failed', endsTurn: false } : refreshed));
    await round.run([due('a', 'a1'), due('a', 'a2')]);
    expect(round.started).toEqual(['a1', 'a2']);
    expect(round.released).toEqual([]);
  });

  it('lasts until every client ID is done when a renewal throws, and gives back the leases of the one that threw', async () => {
    let slowDone = false;
    const round = recording(async (token) => {
      if (token.lease.id === 'a1') throw new Error('the database went away');
      await new Promise((resolve) => setTimeout(resolve, 30));
      slowDone = true;
      return refreshed;
    });
    await expect(round.run([due('a', 'a1'), due('a', 'a2'), due('b', 'b1')])).resolves.toBeUndefined();
    expect(slowDone).toBe(true);
    expect(round.released.sort()).toEqual(['a1', 'a2']);
    expect(round.unsettled.size).toBe(0);
  });

  it('when the replica stops mid-turn, gives back every lease not yet used, the next one included', async () => {
    let stopping = false;
    const round = recording(
      async (token) => {
        // The replica is told to stop while the first renewal is under way; that renewal still completes.
        if (token.lease.id === 'a1') stopping = true;
        return refreshed;
      },
      { stopping: () => stopping },
    );
    await round.run([due('a', 'a1'), due('a', 'a2'), due('a', 'a3')]);
    expect(round.started).toEqual(['a1']);
    expect(round.released).toEqual(['a2', 'a3']);
    expect(round.unsettled.size).toBe(0);
  });

  it('keeps a lease it could not give back unsettled, for shutdown to hand back, and still gives back the others', async () => {
    const round = recording(async () => ({ outcome: 'deferred', endsTurn: true }), {
      release: async (token) => {
        if (token.lease.id === 'a2') throw new Error('the database went away');
      },
    });
    await round.run([due('a', 'a1'), due('a', 'a2'), due('a', 'a3')]);
    expect(round.released).toEqual(['a3']);
    expect([...round.unsettled]).toEqual(['a2']);
  });
});
