import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ChainedFields, eventHash } from './canonical';

export interface VerificationResult {
  ok: boolean;
  /** Events recomputed. */
  checked: number;
  /** The first event that does not fit the chain (edited, inserted, or after a gap). */
  firstBrokenSeq?: string;
  reason?: string;
  /** Where the chain starts now (0 = the beginning; later after a purge) and ends. */
  anchorSeq: string;
  headSeq: string;
  headHash: string;
}

/** A checkpoint kept outside the database, as read from one line of a file. */
export interface KeptCheckpoint {
  seq: string;
  hash: string;
  signedAt: string;
  /** Its line in the file, to name it. */
  line: number;
}

export interface CheckpointVerificationResult extends VerificationResult {
  checkpoints: {
    /** Checkpoints compared with the chain. */
    checked: number;
    /** At or before the anchor: purged since, so nothing is left to compare. */
    beforeAnchor: number;
    /** The first checkpoint (in chain order) the chain no longer leads to. */
    firstMismatch?: KeptCheckpoint & { reason: string; found: string | null };
  };
}

interface Row {
  seq: string;
  occurred_at: Date;
  actor_type: string;
  actor_id: string | null;
  actor_name: string;
  action: string;
  tenant_id: string | null;
  target_type: string | null;
  target_id: string | null;
  outcome: string;
  request_id: string | null;
  caller_ip: string | null;
  details: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

const PAGE = 5000;

/**
 * Recomputes the chain from stored rows: each hash from its fields and the previous hash,
 * each prev_hash against the row before, sequence numbers without gaps, the first row against
 * the anchor, and the last against the head (so removing the newest rows shows too).
 */
@Injectable()
export class AuditVerifier {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async verify(range: { from?: Date; to?: Date } = {}): Promise<VerificationResult> {
    const [chain] = (await this.dataSource.query('SELECT head_seq, head_hash, anchor_seq, anchor_hash FROM audit_chain WHERE id = 1')) as Array<{
      head_seq: string;
      head_hash: string;
      anchor_seq: string;
      anchor_hash: string;
    }>;
    const base = { anchorSeq: chain.anchor_seq, headSeq: chain.head_seq, headHash: chain.head_hash };
    const startSeq = range.from ? await this.firstSeqAt(range.from, chain.anchor_seq) : BigInt(chain.anchor_seq) + 1n;
    const endSeq = range.to ? await this.lastSeqAt(range.to) : BigInt(chain.head_seq);

    // The hash the first checked row must point back to.
    let expectedPrev = startSeq === BigInt(chain.anchor_seq) + 1n ? chain.anchor_hash : await this.hashAt(startSeq - 1n);
    if (expectedPrev === undefined) {
      return { ...base, ok: false, checked: 0, firstBrokenSeq: (startSeq - 1n).toString(), reason: 'event missing' };
    }
    let expectedSeq = startSeq;
    let checked = 0;
    while (expectedSeq <= endSeq) {
      const rows = (await this.dataSource.query(`SELECT * FROM audit_events WHERE seq >= $1 AND seq <= $2 ORDER BY seq LIMIT ${PAGE}`, [
        expectedSeq.toString(),
        endSeq.toString(),
      ])) as Row[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const broken = (reason: string): VerificationResult => ({ ...base, ok: false, checked, firstBrokenSeq: expectedSeq.toString(), reason });
        if (BigInt(row.seq) !== expectedSeq) return broken('event missing');
        if (row.prev_hash !== expectedPrev) return broken('prev_hash does not match the previous event');
        if (eventHash(row.prev_hash, toFields(row)) !== row.hash) return broken('hash does not match the event');
        checked += 1;
        expectedPrev = row.hash;
        expectedSeq += 1n;
      }
    }
    if (expectedSeq <= endSeq) return { ...base, ok: false, checked, firstBrokenSeq: expectedSeq.toString(), reason: 'event missing' };
    if (!range.to && expectedSeq - 1n === BigInt(chain.head_seq) && expectedPrev !== chain.head_hash && checked > 0) {
      return { ...base, ok: false, checked, firstBrokenSeq: chain.head_seq, reason: 'the last event does not match the chain head' };
    }
    return { ...base, ok: true, checked };
  }

  /**
   * The chain verified on its own, then each checkpoint: the event at its seq must still carry its
   * hash. As each hash covers everything before it, a match means the chain still leads there; a
   * rewrite with recomputed hashes verifies on its own but not against what was signed earlier.
   */
  async verifyAgainst(checkpoints: KeptCheckpoint[]): Promise<CheckpointVerificationResult> {
    const chain = await this.verify();
    const ordered = [...checkpoints].sort((a, b) => (BigInt(a.seq) < BigInt(b.seq) ? -1 : BigInt(a.seq) > BigInt(b.seq) ? 1 : a.line - b.line));
    const outcome: CheckpointVerificationResult['checkpoints'] = { checked: 0, beforeAnchor: 0 };
    for (const checkpoint of ordered) {
      if (BigInt(checkpoint.seq) <= BigInt(chain.anchorSeq)) {
        outcome.beforeAnchor += 1;
        continue;
      }
      outcome.checked += 1;
      const found = BigInt(checkpoint.seq) === BigInt(chain.headSeq) ? chain.headHash : ((await this.hashAt(BigInt(checkpoint.seq))) ?? null);
      if (found !== checkpoint.hash) {
        const reason = found === null ? 'the chain no longer holds the event this checkpoint signed' : 'the event at this seq no longer has the hash signed';
        return { ...chain, ok: false, checkpoints: { ...outcome, firstMismatch: { ...checkpoint, reason, found } } };
      }
    }
    return { ...chain, checkpoints: outcome };
  }

  /** Rows at or before the anchor may linger while a purge deletes them; they are no longer part of the chain. */
  private async firstSeqAt(from: Date, anchorSeq: string): Promise<bigint> {
    const [row] = (await this.dataSource.query('SELECT min(seq) AS seq FROM audit_events WHERE occurred_at >= $1 AND seq > $2', [from, anchorSeq])) as Array<{
      seq: string | null;
    }>;
    return row.seq ? BigInt(row.seq) : BigInt(anchorSeq) + 1n;
  }

  private async lastSeqAt(to: Date): Promise<bigint> {
    const [row] = (await this.dataSource.query('SELECT max(seq) AS seq FROM audit_events WHERE occurred_at <= $1', [to])) as Array<{ seq: string | null }>;
    return row.seq ? BigInt(row.seq) : 0n;
  }

  private async hashAt(seq: bigint): Promise<string | undefined> {
    const [row] = (await this.dataSource.query('SELECT hash FROM audit_events WHERE seq = $1', [seq.toString()])) as Array<{ hash: string }>;
    return row?.hash;
  }
}

function toFields(row: Row): ChainedFields {
  return {
    seq: row.seq,
    occurredAt: row.occurred_at.toISOString(),
    actorType: row.actor_type,
    actorId: row.actor_id,
    actorName: row.actor_name,
    action: row.action,
    tenantId: row.tenant_id,
    targetType: row.target_type,
    targetId: row.target_id,
    outcome: row.outcome,
    requestId: row.request_id,
    callerIp: row.caller_ip,
    details: row.details,
  };
}
