import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { DatabaseNotifications } from '../../database/database-notifications';
import { NotifiedCache } from '../../database/notified-cache';
import type { Role } from '../../common/caller';
import { Principal } from './principal.entity';

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

/**
 * What the guard needs to know about a principal, cached briefly so the hot path does not
 * query the database. The replica that changes a principal forgets it right after the commit
 * (PrincipalsService); every other replica hears of it by NOTIFY. The TTL only bounds
 * staleness if a notification is lost. A read under way when a change lands is not cached.
 */
@Injectable()
export class PrincipalStates implements OnModuleInit {
  private readonly byId: NotifiedCache<PrincipalState | null>;
  private readonly byExternalSubject: NotifiedCache<PrincipalState | null>;

  constructor(
    @InjectRepository(Principal) principals: Repository<Principal>,
    private readonly notifications: DatabaseNotifications,
    config: AppConfig,
  ) {
    const ttlMs = config.auth.principalCacheSeconds * 1000;
    const staleMs = config.database.staleIfErrorSeconds * 1000;
    this.byId = new NotifiedCache(ttlMs, async (id) => toState(await principals.findOneBy({ id, deletedAt: IsNull() })), staleMs);
    this.byExternalSubject = new NotifiedCache(
      ttlMs,
      async (subject) => toState(await principals.findOneBy({ externalSubject: subject, deletedAt: IsNull() })),
      staleMs,
    );
  }

  async onModuleInit(): Promise<void> {
    await this.notifications.listen(PRINCIPAL_CHANGED, (id) => this.forget(id));
  }

  /** Null when the principal does not exist or was deleted. */
  byPrincipalId(id: string): Promise<PrincipalState | null> {
    return this.byId.get(id);
  }

  byExternal(subject: string): Promise<PrincipalState | null> {
    return this.byExternalSubject.get(subject);
  }

  /** Drop one principal (or everything, for null) from the cache. */
  forget(id: string | null): void {
    this.byId.forget(id);
    // Keyed by subject, not id; a principal's subject may have just been given or taken, and
    // changes are rare, so every mapping is read again.
    this.byExternalSubject.forget(null);
  }
}

function toState(principal: Principal | null): PrincipalState | null {
  if (!principal) return null;
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
