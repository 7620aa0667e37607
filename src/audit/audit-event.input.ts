import type { Actor } from '../common/actor';
import type { Outcome } from './audit-event.entity';

/** What a module tells the audit log; AuditChain adds seq, time and hashes. */
export interface AuditEventInput {
  actor: Actor;
  /** Dotted, past tense: `tenant.created`, `token.issued`, `auth.denied`. */
  action: string;
  tenantId?: string | null;
  target?: { type: string; id: string };
  /** Default `success`. */
  outcome?: Outcome;
  /** Never a secret or a token (see sanitiseDetails); name a token by its fingerprint. */
  details?: Record<string, unknown>;
}
