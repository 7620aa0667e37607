import { randomUUID } from 'node:crypto';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Actor } from '../common/actor';
import { AuditService } from '../audit/audit.service';
import { changesOf } from '../common/changes';
import { ValidationFailedError } from '../common/domain-error';
import { Page, pageByCreation, toCreationPage } from '../common/pagination';
import { isUniqueViolation } from '../common/postgres-errors';
import { AppConfig } from '../config/app-config';
import { DatabaseNotifications } from '../database/database-notifications';
import { NotifiedCache } from '../database/notified-cache';
import type { Environment } from '../common/environment';
import { Credential, CredentialKind } from './credential.entity';
import { CreateCredentialDto } from './dto/create-credential.dto';
import { CredentialBudgetDto } from './dto/credential-budget.dto';
import { CredentialDto, UpstreamErrorDto } from './dto/credential.dto';
import { ListCredentialsQuery } from './dto/list-credentials.query';
import { ReplaceSecretsDto, UpdateCredentialDto } from './dto/update-credential.dto';
import { IntegrityError } from './envelope';
import { VaultCipher } from './vault-cipher';
import { VaultError, VaultErrorCode } from './vault.errors';

/** Who uses a credential; supplied by the tenants module, which depends on this one. */
export type CredentialUsers = (manager: EntityManager, credentialId: string) => Promise<string[]>;

/**
 * The login budget of a page of credentials, read in a fixed number of queries whatever the
 * page's size; supplied by the tokens module (which owns the figures and depends on this one).
 */
export type CredentialBudgets = (credentials: ReadonlyArray<{ id: string; loginRatePerMinute: number }>) => Promise<Map<string, CredentialBudgetDto>>;

/** What a tenant needs to know about the credential it is attached to. */
export interface CredentialSummary {
  id: string;
  kind: CredentialKind;
  environment: Environment;
}

/** What a login needs to know about a credential, without its secrets; cached (see loginInfo). */
export interface CredentialLoginInfo {
  id: string;
  kind: CredentialKind;
  environment: Environment;
  clientId: string;
  status: Credential['status'];
  lastErrorCode: string | null;
  lastErrorDescription: string | null;
  lastErrorClassification: string | null;
  lastErrorStatus: number | null;
  lastErrorCorrelationId: string | null;
  degradedSince: Date | null;
  loginRatePerMinute: number;
  secretsVersion: number;
}

/** The secrets, for the duration of one login only. */
export interface CredentialSecrets {
  /** 1 or 2: the secret that worked last, to try first. */
  preferred: number;
  secrets: Map<number, string>;
  secretsVersion: number;
}

const PRIMARY = 'primary_secret';
const SECONDARY = 'secondary_secret';
const CREDENTIAL_CHANGED = 'credential_changed';

@Injectable()
export class CredentialsService implements OnModuleInit {
  private credentialUsers: CredentialUsers = async () => [];
  private budgets: CredentialBudgets = async () => new Map();
  private readonly loginInfos: NotifiedCache<CredentialLoginInfo | null>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly cipher: VaultCipher,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly notifications: DatabaseNotifications,
  ) {
    this.loginInfos = new NotifiedCache(
      config.tokens.stateCacheSeconds * 1000,
      async (id) => {
        const credential = await this.dataSource.manager.findOneBy(Credential, { id });
        return credential ? toLoginInfo(credential) : null;
      },
      config.database.staleIfErrorSeconds * 1000,
    );
  }

  async onModuleInit(): Promise<void> {
    await this.notifications.listen(CREDENTIAL_CHANGED, (id) => this.loginInfos.forget(id));
  }

  /** The credential as a login needs it (status, rate, client ID); null when it does not exist. */
  loginInfo(id: string): Promise<CredentialLoginInfo | null> {
    return this.loginInfos.get(id);
  }

  /**
   * Opens the secrets for one login and forgets them afterwards: they exist in memory only
   * while `use` runs. An integrity failure names the credential and part, never a byte.
   */
  async withSecrets<T>(id: string, use: (secrets: CredentialSecrets) => Promise<T>): Promise<T> {
    const credential = await this.find(this.dataSource.manager, id);
    const dataKey = await this.openDataKey(credential);
    const secrets = new Map<number, string>();
    try {
      secrets.set(1, this.openSecret(dataKey, credential, PRIMARY, credential.primarySecret));
      if (credential.secondarySecret) secrets.set(2, this.openSecret(dataKey, credential, SECONDARY, credential.secondarySecret));
    } finally {
      dataKey.fill(0);
    }
    try {
      return await use({
        preferred: secrets.has(credential.preferredSecret) ? credential.preferredSecret : 1,
        secrets,
        secretsVersion: credential.secretsVersion,
      });
    } finally {
      secrets.clear();
    }
  }

  /** Seals a value (a MyInvois token) under the credential's data key, bound to `field`. */
  async seal(id: string, field: string, plaintext: string): Promise<Buffer> {
    return this.withDataKey(id, (dataKey) => this.cipher.sealField(dataKey, contextOf(id), field, plaintext));
  }

  async open(id: string, field: string, sealed: Buffer): Promise<string> {
    return this.withDataKey(id, (dataKey) => {
      try {
        return this.cipher.openField(dataKey, contextOf(id), field, sealed);
      } catch (error) {
        if (error instanceof IntegrityError) throw VaultError.integrity(id, field);
        throw error;
      }
    });
  }

  private async withDataKey<T>(id: string, use: (dataKey: Buffer) => T): Promise<T> {
    const credential = await this.find(this.dataSource.manager, id);
    const dataKey = await this.openDataKey(credential);
    try {
      return use(dataKey);
    } finally {
      dataKey.fill(0);
    }
  }

  private openSecret(dataKey: Buffer, credential: Credential, field: string, sealed: Buffer): string {
    try {
      return this.cipher.openField(dataKey, contextOf(credential.id), field, sealed);
    } catch (error) {
      if (error instanceof IntegrityError) throw VaultError.integrity(credential.id, field);
      throw error;
    }
  }

  /** Every replica (this one at once) reads the credential again for its next login; in `manager`'s transaction, sent at its commit. */
  async announceChange(id: string, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.query('SELECT pg_notify($1, $2)', [CREDENTIAL_CHANGED, id]);
    this.loginInfos.forget(id);
  }

  /** After a transaction that announced a change has committed: a read in the meantime may have cached the old row again. */
  forgetLoginInfo(id: string): void {
    this.loginInfos.forget(id);
  }

  setCredentialUsers(lookup: CredentialUsers): void {
    this.credentialUsers = lookup;
  }

  setCredentialBudgets(lookup: CredentialBudgets): void {
    this.budgets = lookup;
  }

  async create(actor: Actor, input: CreateCredentialDto): Promise<CredentialDto> {
    const secretExpiresAt = this.futureDate(input.secretExpiresAt, 'secretExpiresAt');
    const id = randomUUID();
    const context = contextOf(id);
    const envelope = await this.cipher.newEnvelope(context);
    let credential: Credential;
    try {
      credential = Object.assign(new Credential(), {
        id,
        kind: input.kind,
        environment: input.environment,
        clientId: input.clientId,
        label: input.label ?? null,
        primarySecret: this.cipher.sealField(envelope.dataKey, context, PRIMARY, input.clientSecret),
        secondarySecret: input.secondaryClientSecret ? this.cipher.sealField(envelope.dataKey, context, SECONDARY, input.secondaryClientSecret) : null,
        dataKeyWrapped: envelope.dataKeyWrapped,
        keyVersion: envelope.keyVersion,
        secretExpiresAt: secretExpiresAt ?? null,
        loginRatePerMinute: input.loginRatePerMinute ?? this.config.myinvois.defaultLoginRatePerMinute[input.environment],
      });
    } finally {
      envelope.dataKey.fill(0);
    }
    try {
      return await this.dataSource.transaction(async (manager) => {
        const saved = await manager.save(credential);
        await this.record(manager, actor, 'credential.created', saved, {
          kind: saved.kind,
          environment: saved.environment,
          clientId: saved.clientId,
          label: saved.label,
          secretsSet: secretsSet(saved),
          secretExpiresAt: saved.secretExpiresAt,
          loginRatePerMinute: saved.loginRatePerMinute,
          keyVersion: saved.keyVersion,
        });
        return this.map(saved);
      });
    } catch (error) {
      if (isUniqueViolation(error, 'uq_credentials_environment_client_id')) {
        const existing = await this.dataSource.manager.findOneBy(Credential, { environment: input.environment, clientId: input.clientId });
        throw new VaultError(VaultErrorCode.ClientIdTaken, `Client ID ${input.clientId} is already stored for ${input.environment}`, {
          existingCredentialId: existing?.id ?? null,
        });
      }
      throw error;
    }
  }

  async list(query: ListCredentialsQuery): Promise<Page<CredentialDto>> {
    const qb = this.dataSource.getRepository(Credential).createQueryBuilder('c');
    if (query.environment) qb.andWhere('c.environment = :environment', { environment: query.environment });
    if (query.kind) qb.andWhere('c.kind = :kind', { kind: query.kind });
    if (query.status) qb.andWhere('c.status = :status', { status: query.status });
    if (query.expiresSoon === 'true') qb.andWhere('c.secret_expires_at <= :warnFrom', { warnFrom: this.expiryWarningLimit() });
    if (query.expiresSoon === 'false') qb.andWhere('(c.secret_expires_at IS NULL OR c.secret_expires_at > :warnFrom)', { warnFrom: this.expiryWarningLimit() });
    if (query.degraded === 'true') qb.andWhere('c.degraded_since IS NOT NULL');
    if (query.degraded === 'false') qb.andWhere('c.degraded_since IS NULL');
    const rows = await pageByCreation(qb, 'c', query).getMany();
    const budgets = await this.budgets(rows);
    return toCreationPage(rows, query, (row) => ({ ...this.map(row), budget: budgets.get(row.id) }));
  }

  async get(id: string): Promise<CredentialDto> {
    const credential = await this.find(this.dataSource.manager, id);
    const budgets = await this.budgets([credential]);
    return { ...this.map(credential), budget: budgets.get(id) };
  }

  /** The columns a budget needs, or a 404 for an unknown credential. */
  async budgetSubject(id: string): Promise<{ id: string; clientId: string; loginRatePerMinute: number }> {
    const credential = await this.find(this.dataSource.manager, id);
    return { id: credential.id, clientId: credential.clientId, loginRatePerMinute: credential.loginRatePerMinute };
  }

  async update(actor: Actor, id: string, changes: UpdateCredentialDto): Promise<CredentialDto> {
    if (changes.label === undefined && changes.loginRatePerMinute === undefined && changes.secretExpiresAt === undefined) {
      throw ValidationFailedError.field('body', 'nothing to update: give label, loginRatePerMinute and/or secretExpiresAt');
    }
    const secretExpiresAt = changes.secretExpiresAt === null ? null : this.futureDate(changes.secretExpiresAt, 'secretExpiresAt');
    return this.dataSource.transaction(async (manager) => {
      const credential = await this.find(manager, id, true);
      const before = { ...credential, secretExpiresAt: credential.secretExpiresAt?.toISOString() ?? null };
      if (changes.label !== undefined) credential.label = changes.label;
      if (changes.loginRatePerMinute !== undefined) credential.loginRatePerMinute = changes.loginRatePerMinute;
      if (secretExpiresAt !== undefined) credential.secretExpiresAt = secretExpiresAt;
      const saved = await manager.save(credential);
      await this.announceChange(id, manager);
      const after = { ...saved, secretExpiresAt: saved.secretExpiresAt?.toISOString() ?? null };
      await this.record(manager, actor, 'credential.updated', saved, {
        changes: changesOf(before, after, ['label', 'loginRatePerMinute', 'secretExpiresAt']),
      });
      return this.map(saved);
    });
  }

  /** New secrets make the credential `unverified` again; logins may use it again. */
  async replaceSecrets(actor: Actor, id: string, input: ReplaceSecretsDto): Promise<CredentialDto> {
    if (input.clientSecret === undefined && input.secondaryClientSecret === undefined) {
      throw ValidationFailedError.field('body', 'give clientSecret and/or secondaryClientSecret');
    }
    const secretExpiresAt = input.secretExpiresAt === null ? null : this.futureDate(input.secretExpiresAt, 'secretExpiresAt');
    return this.dataSource.transaction(async (manager) => {
      const credential = await this.find(manager, id, true);
      const context = contextOf(id);
      const dataKey = await this.openDataKey(credential);
      try {
        if (input.clientSecret !== undefined) credential.primarySecret = this.cipher.sealField(dataKey, context, PRIMARY, input.clientSecret);
        if (input.secondaryClientSecret !== undefined) {
          credential.secondarySecret =
            input.secondaryClientSecret === null ? null : this.cipher.sealField(dataKey, context, SECONDARY, input.secondaryClientSecret);
        }
      } finally {
        dataKey.fill(0);
      }
      if (secretExpiresAt !== undefined) credential.secretExpiresAt = secretExpiresAt;
      credential.status = 'unverified';
      // What MyInvois said about the old secrets says nothing about these; an outage (degradedSince) goes on regardless.
      Object.assign(credential, {
        lastErrorCode: null,
        lastErrorDescription: null,
        lastErrorClassification: null,
        lastErrorStatus: null,
        lastErrorCorrelationId: null,
        lastErrorAt: null,
      });
      credential.preferredSecret = 1;
      credential.secretsVersion += 1;
      const saved = await manager.save(credential);
      await this.announceChange(id, manager);
      await this.record(manager, actor, 'credential.secret_rotated', saved, {
        replaced: [...(input.clientSecret !== undefined ? ['primary'] : []), ...(input.secondaryClientSecret !== undefined ? ['secondary'] : [])],
        secondaryRemoved: input.secondaryClientSecret === null,
        secretsSet: secretsSet(saved),
        secretExpiresAt: saved.secretExpiresAt,
      });
      return this.map(saved);
    });
  }

  /** Refused while a tenant uses it; otherwise the row (and every sealed byte) is gone. */
  async remove(actor: Actor, id: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const credential = await this.find(manager, id, true);
      const tenantIds = await this.credentialUsers(manager, id);
      if (tenantIds.length > 0) {
        throw new VaultError(
          VaultErrorCode.CredentialInUse,
          `Credential ${id} is used by ${tenantIds.length} tenant(s): ${tenantIds.slice(0, 20).join(', ')}`,
          {
            tenantIds,
          },
        );
      }
      await manager.delete(Credential, { id });
      this.cipher.forget(contextOf(id));
      await this.announceChange(id, manager);
      await this.record(manager, actor, 'credential.deleted', credential, { clientId: credential.clientId, environment: credential.environment });
    });
  }

  /**
   * For attaching a tenant: locks the credential row until the caller's transaction ends, so
   * that a concurrent attach or delete waits. Unknown id: a 400 naming `credentialId`.
   */
  async lockForAttach(manager: EntityManager, id: string): Promise<CredentialSummary> {
    const credential = await manager.findOne(Credential, { where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!credential) throw ValidationFailedError.field('credentialId', `credentialId names no credential (${id})`);
    return { id: credential.id, kind: credential.kind, environment: credential.environment };
  }

  private async openDataKey(credential: Credential): Promise<Buffer> {
    try {
      return await this.cipher.openDataKey(credential, contextOf(credential.id));
    } catch (error) {
      if (error instanceof IntegrityError) throw VaultError.integrity(credential.id, 'data key');
      throw error;
    }
  }

  private async find(manager: EntityManager, id: string, forUpdate = false): Promise<Credential> {
    const credential = await manager.findOne(Credential, { where: { id }, ...(forUpdate ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
    if (!credential) throw VaultError.notFound(id);
    return credential;
  }

  private futureDate(value: Date | undefined, field: string): Date | undefined {
    if (value !== undefined && value.getTime() <= Date.now()) throw ValidationFailedError.field(field, `${field} must be in the future`);
    return value;
  }

  private async record(manager: EntityManager, actor: Actor, action: string, credential: Credential, details: Record<string, unknown>): Promise<void> {
    await this.audit.record(manager, { actor, action, target: { type: 'credential', id: credential.id }, details });
  }

  /** Secrets expiring at or before this moment count as expiring soon, in lists and in their filter alike. */
  private expiryWarningLimit(): Date {
    return new Date(Date.now() + this.config.vault.expiryWarningDays * 86_400_000);
  }

  map(credential: Credential): CredentialDto {
    const expiresAt = credential.secretExpiresAt;
    return {
      id: credential.id,
      kind: credential.kind,
      environment: credential.environment,
      clientId: credential.clientId,
      label: credential.label,
      secretsSet: secretsSet(credential),
      secretExpiresAt: expiresAt?.toISOString() ?? null,
      expiresSoon: expiresAt !== null && expiresAt <= this.expiryWarningLimit(),
      loginRatePerMinute: credential.loginRatePerMinute,
      status: credential.status,
      lastErrorCode: credential.status === 'invalid' ? credential.lastErrorCode : null,
      lastErrorDescription: credential.status === 'invalid' ? credential.lastErrorDescription : null,
      lastError: lastErrorOf(credential),
      degraded: credential.degradedSince !== null,
      degradedSince: credential.degradedSince?.toISOString() ?? null,
      keyVersion: credential.keyVersion,
      createdAt: credential.createdAt.toISOString(),
      updatedAt: credential.updatedAt.toISOString(),
    };
  }
}

/** The AAD prefix of everything sealed for one credential. */
export function contextOf(credentialId: string): string {
  return `credential:${credentialId}`;
}

function lastErrorOf(credential: Credential): UpstreamErrorDto | null {
  if (!credential.lastErrorAt || !credential.lastErrorCode) return null;
  return {
    classification: credential.lastErrorClassification ?? 'transient',
    code: credential.lastErrorCode,
    description: credential.lastErrorDescription ?? '',
    status: credential.lastErrorStatus,
    correlationId: credential.lastErrorCorrelationId,
    at: credential.lastErrorAt.toISOString(),
  };
}

function secretsSet(credential: Credential): number {
  return credential.secondarySecret ? 2 : 1;
}

function toLoginInfo(credential: Credential): CredentialLoginInfo {
  return {
    id: credential.id,
    kind: credential.kind,
    environment: credential.environment,
    clientId: credential.clientId,
    status: credential.status,
    lastErrorCode: credential.lastErrorCode,
    lastErrorDescription: credential.lastErrorDescription,
    lastErrorClassification: credential.lastErrorClassification,
    lastErrorStatus: credential.lastErrorStatus,
    lastErrorCorrelationId: credential.lastErrorCorrelationId,
    degradedSince: credential.degradedSince,
    loginRatePerMinute: credential.loginRatePerMinute,
    secretsVersion: credential.secretsVersion,
  };
}
