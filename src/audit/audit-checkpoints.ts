import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Cursor, DEFAULT_PAGE_SIZE, Page, PageQueryDto, toPage } from '../common/pagination';
import { AppConfig } from '../config/app-config';
import { systemActor } from '../common/actor';
import { AuditChain } from './audit-chain';
import { AuditCheckpoint } from './audit-checkpoint.entity';
import { AuditService } from './audit.service';
import { AuditCheckpointDto } from './dto/audit-checkpoint.dto';

/** What a checkpoint's JWS says. */
export interface CheckpointClaims {
  seq: string;
  hash: string;
  anchorSeq: string;
  signedAt: string;
}

/** Signs a checkpoint with the broker's signing key; supplied by a module that holds it. */
export type CheckpointSigner = (claims: CheckpointClaims) => Promise<{ jws: string; kid: string }>;

/** Any number fits in a bigint string: only digits, at most 19. */
const isIdCursor = (value: unknown): value is { id: string } =>
  typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'string' && /^\d{1,18}$/.test((value as { id: string }).id);

/** One lock id for "a replica is signing a checkpoint". */
const CHECKPOINT_LOCK = 0x0a0d17c7;

/**
 * Every AUDIT_CHECKPOINT_MINUTES one replica signs the chain's head, stores the signature and
 * audits it (`audit.checkpoint`, which the webhook outbox sends out), all in one transaction
 * under the chain's lock, so that the head it signs is the head at that moment. A copy kept
 * outside the database shows a rewrite that recomputed every hash (`audit:verify --checkpoints`).
 */
@Injectable()
export class AuditCheckpoints implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AuditCheckpoints.name);
  private signer: CheckpointSigner | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly chain: AuditChain,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  useSigner(signer: CheckpointSigner): void {
    this.signer = signer;
  }

  onApplicationBootstrap(): void {
    if (!this.signer) return;
    const everyMs = this.config.audit.checkpointMinutes * 60_000;
    this.timer = setInterval(() => void this.signIfDue().catch((error) => this.logger.error({ err: error }, 'signing an audit checkpoint failed')), everyMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /**
   * Signs the head unless another replica signed one within the last interval (or is signing now).
   * Returns the checkpoint, or null when it was not this replica's turn.
   */
  async signIfDue(): Promise<AuditCheckpointDto | null> {
    const signer = this.signer;
    if (!signer) return null;
    const intervalMs = this.config.audit.checkpointMinutes * 60_000;
    return this.dataSource.transaction(async (manager) => {
      const [{ locked }] = (await manager.query('SELECT pg_try_advisory_xact_lock($1) AS locked', [CHECKPOINT_LOCK])) as Array<{ locked: boolean }>;
      if (!locked) return null;
      // Due a little early, so that replicas' timers drifting apart never skip an interval.
      const [recent] = (await manager.query(`SELECT 1 FROM audit_checkpoints WHERE signed_at > clock_timestamp() - make_interval(secs => $1) LIMIT 1`, [
        (intervalMs * 0.8) / 1000,
      ])) as unknown[];
      if (recent) return null;
      const head = await this.chain.lockHead(manager);
      const claims: CheckpointClaims = { seq: head.headSeq, hash: head.headHash, anchorSeq: head.anchorSeq, signedAt: head.now.toISOString() };
      const { jws, kid } = await signer(claims);
      const saved = await manager.save(
        Object.assign(new AuditCheckpoint(), { headSeq: claims.seq, headHash: claims.hash, anchorSeq: claims.anchorSeq, signedAt: head.now, kid, jws }),
      );
      await this.audit.record(manager, {
        actor: systemActor('audit-checkpoint'),
        action: 'audit.checkpoint',
        target: { type: 'audit_checkpoint', id: saved.id },
        details: { seq: claims.seq, hash: claims.hash, anchorSeq: claims.anchorSeq, signedAt: claims.signedAt, kid, jws },
      });
      return map(saved);
    });
  }

  /** Newest first. */
  async list(query: PageQueryDto): Promise<Page<AuditCheckpointDto>> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const qb = this.dataSource.getRepository(AuditCheckpoint).createQueryBuilder('c');
    if (query.cursor) qb.where('c.id < :before', { before: Cursor.decode(query.cursor, isIdCursor).id });
    const rows = await qb
      .orderBy('c.id', 'DESC')
      .limit(limit + 1)
      .getMany();
    return toPage(rows, limit, map, (row) => ({ id: row.id }));
  }
}

function map(row: AuditCheckpoint): AuditCheckpointDto {
  return { seq: row.headSeq, hash: row.headHash, anchorSeq: row.anchorSeq, signedAt: row.signedAt.toISOString(), kid: row.kid, jws: row.jws };
}
