import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull, Repository } from 'typeorm';
import type { Actor } from '../common/actor';
import { AuditService } from '../audit/audit.service';
import { changesOf } from '../common/changes';
import { ValidationFailedError } from '../common/domain-error';
import { Page, pageByCreation, toCreationPage } from '../common/pagination';
import { isUniqueViolation } from '../common/postgres-errors';
import { CreateTenantDto } from './dto/create-tenant.dto';
import { ListTenantsQuery } from './dto/list-tenants.query';
import { TenantDto } from './dto/tenant.dto';
import { UpdateTenantDto } from './dto/update-tenant.dto';
import { AppConfig } from '../config/app-config';
import { DatabaseNotifications } from '../database/database-notifications';
import { NotifiedCache } from '../database/notified-cache';
import { CredentialsService, CredentialSummary } from '../vault/credentials.service';
import { Tenant } from './tenant.entity';
import { TenantError, TenantErrorCode } from './tenant.errors';

/** What the token path needs to know about a tenant, cached (see loginTarget). */
export interface TenantLoginTarget {
  id: string;
  status: Tenant['status'];
  environment: Tenant['environment'];
  tin: string;
  credentialId: string | null;
  onBehalfOf: string | null;
}

const TENANT_CHANGED = 'tenant_changed';

/** The partial unique index that keeps one live tenant per TIN and environment. */
export const TENANT_TIN_INDEX = 'uq_tenants_environment_tin_live';

@Injectable()
export class TenantsService implements OnModuleInit {
  private readonly loginTargets: NotifiedCache<TenantLoginTarget | null>;

  constructor(
    @InjectRepository(Tenant) private readonly tenants: Repository<Tenant>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly credentials: CredentialsService,
    private readonly notifications: DatabaseNotifications,
    config: AppConfig,
  ) {
    this.loginTargets = new NotifiedCache(
      config.tokens.stateCacheSeconds * 1000,
      async (id) => {
        const tenant = await this.tenants.findOneBy({ id, deletedAt: IsNull() });
        return tenant
          ? { id, status: tenant.status, environment: tenant.environment, tin: tenant.tin, credentialId: tenant.credentialId, onBehalfOf: tenant.onBehalfOf }
          : null;
      },
      config.database.staleIfErrorSeconds * 1000,
    );
  }

  async onModuleInit(): Promise<void> {
    // The vault refuses to delete a credential that tenants use; it asks here which ones.
    this.credentials.setCredentialUsers((manager, credentialId) => this.idsUsing(manager, credentialId));
    await this.notifications.listen(TENANT_CHANGED, (id) => this.loginTargets.forget(id));
  }

  /** The tenant as the token path needs it; null when it does not exist. Read on every token request, so cached. */
  loginTarget(id: string): Promise<TenantLoginTarget | null> {
    return this.loginTargets.get(id);
  }

  async create(actor: Actor, input: CreateTenantDto): Promise<TenantDto> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        const tenant = await manager.save(manager.create(Tenant, { name: input.name, tin: input.tin, brn: input.brn ?? null, environment: input.environment }));
        await this.audit.record(manager, {
          actor,
          action: 'tenant.created',
          tenantId: tenant.id,
          target: { type: 'tenant', id: tenant.id },
          details: { name: tenant.name, tin: tenant.tin, brn: tenant.brn, environment: tenant.environment },
        });
        return this.map(tenant);
      });
    } catch (error) {
      if (isUniqueViolation(error, TENANT_TIN_INDEX)) throw await this.tinTaken(input.tin, input.environment);
      throw error;
    }
  }

  /** `onlyIds`: the caller's granted tenants, when it may not see them all. */
  async list(query: ListTenantsQuery, onlyIds?: string[]): Promise<Page<TenantDto>> {
    const qb = this.tenants.createQueryBuilder('t').where('t.deleted_at IS NULL');
    if (onlyIds) qb.andWhere('t.id = ANY(:onlyIds)', { onlyIds });
    if (query.tin) qb.andWhere('t.tin = :tin', { tin: query.tin });
    if (query.name) qb.andWhere("t.name ILIKE :name ESCAPE '\\'", { name: `%${escapeLikePattern(query.name)}%` });
    if (query.credentialId) qb.andWhere('t.credential_id = :credentialId', { credentialId: query.credentialId.toLowerCase() });
    if (query.environment) qb.andWhere('t.environment = :environment', { environment: query.environment });
    if (query.status) qb.andWhere('t.status = :status', { status: query.status });
    const rows = await pageByCreation(qb, 't', query).getMany();
    return toCreationPage(rows, query, (row) => this.map(row));
  }

  /** Which of these ids are not live tenants (for validating references to tenants). */
  async missing(ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await this.tenants
      .createQueryBuilder('t')
      .select('t.id', 'id')
      .where('t.id = ANY(:ids) AND t.deleted_at IS NULL', { ids })
      .getRawMany<{ id: string }>();
    const found = new Set(rows.map((row) => row.id));
    return ids.filter((id) => !found.has(id.toLowerCase()));
  }

  async get(id: string): Promise<TenantDto> {
    return this.map(await this.findLive(this.dataSource.manager, id));
  }

  async update(actor: Actor, id: string, changes: UpdateTenantDto): Promise<TenantDto> {
    if (Object.values(changes).every((value) => value === undefined)) {
      throw ValidationFailedError.field('body', 'nothing to update: give at least one of name, brn, status, credentialId, onBehalfOfFormat');
    }
    return this.dataSource.transaction(async (manager) => {
      const tenant = await this.findLive(manager, id, true);
      const before = { ...tenant };
      if (changes.name !== undefined) tenant.name = changes.name;
      if (changes.brn !== undefined) tenant.brn = changes.brn;
      if (changes.status !== undefined) tenant.status = changes.status;
      if (changes.onBehalfOfFormat !== undefined) tenant.onBehalfOfFormat = changes.onBehalfOfFormat;
      if (changes.credentialId !== undefined) tenant.credentialId = changes.credentialId?.toLowerCase() ?? null;
      const credential = tenant.credentialId ? await this.credentials.lockForAttach(manager, tenant.credentialId) : null;
      await this.checkLogin(manager, tenant, credential);
      const saved = await manager.save(tenant);
      await this.announce(manager, id);
      await this.audit.record(manager, {
        actor,
        action: 'tenant.updated',
        tenantId: id,
        target: { type: 'tenant', id },
        details: { changes: changesOf(before, saved, ['name', 'brn', 'status', 'credentialId', 'onBehalfOfFormat', 'onBehalfOf']) },
      });
      return this.map(saved);
    });
  }

  /**
   * The rules of logging in through a credential, checked with the credential row locked:
   * same environment; a taxpayer credential serves one tenant; an intermediary sends
   * `onbehalfof` as the TIN, or `TIN:BRN` (which needs a BRN). Sets the derived `onBehalfOf`.
   */
  private async checkLogin(manager: EntityManager, tenant: Tenant, credential: CredentialSummary | null): Promise<void> {
    if (tenant.onBehalfOfFormat === 'tin_brn' && !tenant.brn) {
      throw ValidationFailedError.field('onBehalfOfFormat', 'onBehalfOfFormat tin_brn needs the tenant to have a brn');
    }
    tenant.onBehalfOf = null;
    if (!credential) return;
    if (credential.environment !== tenant.environment) {
      throw ValidationFailedError.field(
        'credentialId',
        `credentialId names a ${credential.environment} credential, but the tenant is in ${tenant.environment}`,
      );
    }
    if (credential.kind === 'taxpayer') {
      const others = (await this.idsUsing(manager, credential.id)).filter((other) => other !== tenant.id);
      if (others.length > 0) {
        throw new TenantError(TenantErrorCode.CredentialTaken, `Taxpayer credential ${credential.id} already serves tenant ${others[0]}`, {
          tenantIds: others,
        });
      }
      return;
    }
    tenant.onBehalfOf = tenant.onBehalfOfFormat === 'tin_brn' ? `${tenant.tin}:${tenant.brn}` : tenant.tin;
  }

  /** Live tenants that log in with this credential, oldest first. */
  tenantIdsUsing(credentialId: string): Promise<string[]> {
    return this.idsUsing(this.dataSource.manager, credentialId);
  }

  /** Every replica drops its cached copy when this transaction commits. */
  private async announce(manager: EntityManager, id: string): Promise<void> {
    await manager.query('SELECT pg_notify($1, $2)', [TENANT_CHANGED, id]);
  }

  private async idsUsing(manager: EntityManager, credentialId: string): Promise<string[]> {
    const rows = await manager.find(Tenant, { select: { id: true }, where: { credentialId, deletedAt: IsNull() }, order: { createdAt: 'ASC' } });
    return rows.map((row) => row.id);
  }

  /** Soft delete: the row stays for the audit trail, and its TIN can be registered again. */
  async remove(actor: Actor, id: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const tenant = await this.findLive(manager, id, true);
      // Detached, so that its credential can be deleted later; the audit trail keeps the link.
      await manager.update(Tenant, { id }, { deletedAt: () => 'now()', credentialId: null, onBehalfOf: null });
      await this.announce(manager, id);
      await this.audit.record(manager, {
        actor,
        action: 'tenant.deleted',
        tenantId: id,
        target: { type: 'tenant', id },
        details: { tin: tenant.tin, environment: tenant.environment, credentialId: tenant.credentialId },
      });
    });
  }

  private async findLive(manager: EntityManager, id: string, forUpdate = false): Promise<Tenant> {
    const tenant = await manager.findOne(Tenant, {
      where: { id, deletedAt: IsNull() },
      ...(forUpdate ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
    if (!tenant) throw TenantError.notFound(id);
    return tenant;
  }

  private async tinTaken(tin: string, environment: string): Promise<TenantError> {
    const existing = await this.tenants.findOneBy({ tin, environment: environment as Tenant['environment'], deletedAt: IsNull() });
    return new TenantError(TenantErrorCode.TinTaken, `A tenant with TIN ${tin} already exists in ${environment}${existing ? `: ${existing.id}` : ''}`, {
      existingTenantId: existing?.id ?? null,
    });
  }

  private map(tenant: Tenant): TenantDto {
    return {
      id: tenant.id,
      name: tenant.name,
      tin: tenant.tin,
      brn: tenant.brn,
      environment: tenant.environment,
      status: tenant.status,
      credentialId: tenant.credentialId,
      onBehalfOfFormat: tenant.onBehalfOfFormat,
      onBehalfOf: tenant.onBehalfOf,
      createdAt: tenant.createdAt.toISOString(),
      updatedAt: tenant.updatedAt.toISOString(),
    };
  }
}

/** `%`, `_` and the escape character itself match literally in a LIKE pattern. */
function escapeLikePattern(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}
