import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { DatabaseNotifications } from '../database/database-notifications';
import { Principal, Role } from './principal.entity';

/** Channel on which every replica hears that a principal changed (payload: its id). */
export const PRINCIPAL_CHANGED = 'principal_changed';

export interface PrincipalState {
  id: string;
  name: string;
  role: Role;
  enabled: boolean;
  secretVersion: number;
  allTenants: boolean;
  tenantIds: ReadonlySet<string>;
}

interface Entry {
  state: PrincipalState | null;
  expiresAt: number;
}

/**
 * What the guard needs to know about a principal, cached briefly so the hot path does not
 * query the database. Changes are pushed by NOTIFY from whichever replica made them, so a
 * disabled or deleted principal is refused at once everywhere; the TTL only bounds staleness
 * if notifications were missed.
 */
@Injectable()
export class PrincipalStates implements OnModuleInit {
  private readonly byId = new Map<string, Entry>();
  private readonly byExternalSubject = new Map<string, Entry>();

  constructor(
    @InjectRepository(Principal) private readonly principals: Repository<Principal>,
    private readonly notifications: DatabaseNotifications,
    private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.notifications.listen(PRINCIPAL_CHANGED, (id) => this.forget(id));
  }

  /** Null when the principal does not exist or was deleted. */
  async byPrincipalId(id: string): Promise<PrincipalState | null> {
    return this.cached(this.byId, id, () => this.principals.findOneBy({ id, deletedAt: IsNull() }));
  }

  async byExternal(subject: string): Promise<PrincipalState | null> {
    return this.cached(this.byExternalSubject, subject, () => this.principals.findOneBy({ externalSubject: subject, deletedAt: IsNull() }));
  }

  /** Drop one principal (or everything, for null) from the cache. */
  forget(id: string | null): void {
    if (id === null) {
      this.byId.clear();
      this.byExternalSubject.clear();
      return;
    }
    this.byId.delete(id);
    for (const [subject, entry] of this.byExternalSubject) {
      if (entry.state?.id === id || entry.state === null) this.byExternalSubject.delete(subject);
    }
  }

  private async cached(cache: Map<string, Entry>, key: string, load: () => Promise<Principal | null>): Promise<PrincipalState | null> {
    const now = Date.now();
    const hit = cache.get(key);
    if (hit && hit.expiresAt > now) return hit.state;
    const principal = await load();
    const state = principal ? toState(principal) : null;
    cache.set(key, { state, expiresAt: now + this.config.auth.principalCacheSeconds * 1000 });
    return state;
  }
}

function toState(principal: Principal): PrincipalState {
  return {
    id: principal.id,
    name: principal.name,
    role: principal.role,
    enabled: principal.enabled,
    secretVersion: principal.secretVersion,
    allTenants: principal.allTenants,
    tenantIds: new Set(principal.tenantIds),
  };
}
