import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import type { Actor } from '../../common/actor';
import { AuditService } from '../../audit/audit.service';
import { changesOf } from '../../common/changes';
import { ValidationFailedError } from '../../common/domain-error';
import { Page, pageByCreation, toCreationPage } from '../../common/pagination';
import { isUniqueViolation } from '../../common/postgres-errors';
import { AuthError, AuthErrorCode } from '../auth.errors';
import { generateClientId, generateClientSecret, hashClientSecret } from './client-secret';
import { CreatePrincipalDto } from './dto/create-principal.dto';
import { ListPrincipalsQuery } from './dto/list-principals.query';
import { PrincipalDto, PrincipalWithSecretDto } from './dto/principal.dto';
import { ALL_TENANTS } from './dto/tenant-grants.validator';
import { UpdatePrincipalDto } from './dto/update-principal.dto';
import type { Role } from '../../common/caller';
import { Principal } from './principal.entity';
import { PRINCIPAL_CHANGED, PrincipalStates } from './principal-states';
import { TenantDirectory } from '../tenant-directory';

/** Serialises changes that could leave the broker without an enabled admin. */
const ADMIN_CHANGE_LOCK = 0x6164_6d6e; // "admn"

/**
 * Every change announces itself by NOTIFY (delivered on commit, to every replica) and, once
 * committed, is forgotten here at once: this replica must not wait for its own notification
 * before it refuses a principal just disabled.
 */
@Injectable()
export class PrincipalsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tenants: TenantDirectory,
    private readonly audit: AuditService,
    private readonly states: PrincipalStates,
  ) {}

  async create(actor: Actor, input: CreatePrincipalDto): Promise<PrincipalWithSecretDto> {
    const grants = await this.resolveGrants(input.role, input.tenantGrants ?? []);
    const clientSecret = generateClientSecret();
    const principal = await this.inTransaction(async (manager) => {
      const created = await manager.save(
        manager.create(Principal, {
          name: input.name,
          role: input.role,
          clientId: generateClientId(),
          secretHash: await hashClientSecret(clientSecret),
          ...grants,
          externalSubject: input.externalSubject ?? null,
        }),
      );
      await this.announce(manager, created.id);
      await this.record(manager, actor, 'principal.created', created, {
        name: created.name,
        role: created.role,
        clientId: created.clientId,
        tenantGrants: grantsOf(created),
        externalSubject: created.externalSubject,
      });
      return created;
    }, input.externalSubject);
    this.states.forget(principal.id);
    return { ...this.map(principal), clientSecret };
  }

  async list(query: ListPrincipalsQuery): Promise<Page<PrincipalDto>> {
    const qb = this.dataSource.getRepository(Principal).createQueryBuilder('p').where('p.deleted_at IS NULL');
    if (query.role) qb.andWhere('p.role = :role', { role: query.role });
    const rows = await pageByCreation(qb, 'p', query).getMany();
    return toCreationPage(rows, query, (row) => this.map(row));
  }

  async get(id: string): Promise<PrincipalDto> {
    return this.map(await this.findLive(this.dataSource.manager, id));
  }

  async update(actor: Actor, id: string, changes: UpdatePrincipalDto): Promise<PrincipalDto> {
    if (changes.name === undefined && changes.enabled === undefined) {
      throw ValidationFailedError.field('body', 'nothing to update: give name and/or enabled');
    }
    const principal = await this.inTransaction(async (manager) => {
      const found = await this.findLive(manager, id, true);
      if (changes.enabled === false && found.enabled) await this.assertNotLastAdmin(manager, found);
      const before = { ...found };
      if (changes.name !== undefined) found.name = changes.name;
      if (changes.enabled !== undefined) found.enabled = changes.enabled;
      const saved = await manager.save(found);
      await this.announce(manager, id);
      await this.record(manager, actor, 'principal.updated', saved, { changes: changesOf(before, saved, ['name', 'enabled']) });
      return saved;
    });
    this.states.forget(id);
    return this.map(principal);
  }

  /** Soft delete: refused at once everywhere; the row stays for the audit trail. */
  async remove(actor: Actor, id: string): Promise<void> {
    await this.inTransaction(async (manager) => {
      const found = await this.findLive(manager, id, true);
      await this.assertNotLastAdmin(manager, found);
      await manager.update(Principal, { id }, { deletedAt: () => 'now()', enabled: false });
      await this.announce(manager, id);
      await this.record(manager, actor, 'principal.deleted', found, { name: found.name, role: found.role, clientId: found.clientId });
    });
    this.states.forget(id);
  }

  /** A new secret; the old one stops working, and so do tokens obtained with it. */
  async rotateSecret(actor: Actor, id: string): Promise<{ clientId: string; clientSecret: string }> {
    const clientSecret = generateClientSecret();
    const principal = await this.inTransaction(async (manager) => {
      const found = await this.findLive(manager, id, true);
      found.secretHash = await hashClientSecret(clientSecret);
      found.secretVersion += 1;
      const saved = await manager.save(found);
      await this.announce(manager, id);
      await this.record(manager, actor, 'principal.secret_rotated', saved, { clientId: saved.clientId, secretVersion: saved.secretVersion });
      return saved;
    });
    this.states.forget(id);
    return { clientId: principal.clientId, clientSecret };
  }

  async replaceGrants(actor: Actor, id: string, tenantGrants: string[]): Promise<PrincipalDto> {
    const principal = await this.inTransaction(async (manager) => {
      const found = await this.findLive(manager, id, true);
      const before = grantsOf(found);
      Object.assign(found, await this.resolveGrants(found.role, tenantGrants));
      const saved = await manager.save(found);
      await this.announce(manager, id);
      await this.record(manager, actor, 'principal.grants_replaced', saved, { from: before, to: grantsOf(saved) });
      return saved;
    });
    this.states.forget(id);
    return this.map(principal);
  }

  private async resolveGrants(role: Role, tenantGrants: string[]): Promise<Pick<Principal, 'allTenants' | 'tenantIds'>> {
    if (role === 'admin') {
      if (tenantGrants.length > 0 && !(tenantGrants.length === 1 && tenantGrants[0] === ALL_TENANTS)) {
        throw ValidationFailedError.field('tenantGrants', 'tenantGrants of an admin can only be ["*"]: admins act on every tenant');
      }
      return { allTenants: true, tenantIds: [] };
    }
    if (tenantGrants.length === 1 && tenantGrants[0] === ALL_TENANTS) return { allTenants: true, tenantIds: [] };
    const ids = tenantGrants.map((id) => id.toLowerCase());
    const missing = await this.tenants.missing(ids);
    if (missing.length > 0) {
      throw new AuthError(AuthErrorCode.UnknownTenantGrant, `tenantGrants names tenants that do not exist: ${missing.slice(0, 10).join(', ')}`, {
        field: 'tenantGrants',
        errors: [{ field: 'tenantGrants', message: `unknown tenants: ${missing.slice(0, 10).join(', ')}` }],
        unknownTenantIds: missing,
      });
    }
    return { allTenants: false, tenantIds: ids };
  }

  private async assertNotLastAdmin(manager: EntityManager, principal: Principal): Promise<void> {
    if (principal.role !== 'admin' || !principal.enabled) return;
    await manager.query('SELECT pg_advisory_xact_lock($1)', [ADMIN_CHANGE_LOCK]);
    const others = await manager.countBy(Principal, { role: 'admin', enabled: true, deletedAt: IsNull() });
    if (others <= 1) {
      throw new AuthError(AuthErrorCode.LastAdmin, 'This is the last enabled admin; create or enable another admin first');
    }
  }

  private async findLive(manager: EntityManager, id: string, forUpdate = false): Promise<Principal> {
    const principal = await manager.findOne(Principal, {
      where: { id, deletedAt: IsNull() },
      ...(forUpdate ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
    if (!principal) throw AuthError.principalNotFound(id);
    return principal;
  }

  private async record(manager: EntityManager, actor: Actor, action: string, principal: Principal, details: Record<string, unknown>): Promise<void> {
    await this.audit.record(manager, { actor, action, target: { type: 'principal', id: principal.id }, details });
  }

  /** Every other replica's PrincipalStates drops its cached copy when this transaction commits. */
  private async announce(manager: EntityManager, id: string): Promise<void> {
    await manager.query('SELECT pg_notify($1, $2)', [PRINCIPAL_CHANGED, id]);
  }

  private async inTransaction<T>(work: (manager: EntityManager) => Promise<T>, externalSubject?: string): Promise<T> {
    try {
      return await this.dataSource.transaction(work);
    } catch (error) {
      if (isUniqueViolation(error, 'uq_principals_external_subject')) {
        throw new AuthError(AuthErrorCode.ExternalSubjectTaken, `Another principal already has externalSubject ${externalSubject}`);
      }
      throw error;
    }
  }

  private map(principal: Principal): PrincipalDto {
    return {
      id: principal.id,
      name: principal.name,
      role: principal.role,
      clientId: principal.clientId,
      tenantGrants: grantsOf(principal),
      externalSubject: principal.externalSubject,
      enabled: principal.enabled,
      createdAt: principal.createdAt.toISOString(),
      updatedAt: principal.updatedAt.toISOString(),
    };
  }
}

function grantsOf(principal: Principal): string[] {
  return principal.allTenants ? [ALL_TENANTS] : principal.tenantIds;
}
