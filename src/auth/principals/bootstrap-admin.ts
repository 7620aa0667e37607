import { writeSync } from 'node:fs';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { systemActor } from '../../common/actor';
import { AuditService } from '../../audit/audit.service';
import { AppConfig } from '../../config/app-config';
import { generateClientId, generateClientSecret, hashClientSecret, verifyClientSecret } from './client-secret';
import { Principal } from './principal.entity';
import { PRINCIPAL_CHANGED } from './principal-states';

/** Replicas starting together must not each create a first admin. */
const BOOTSTRAP_LOCK = 0x626f_6f74; // "boot"

/**
 * Makes sure someone can administer the broker: the admin named by BOOTSTRAP_ADMIN_CLIENT_ID
 * and _SECRET exists with that secret and is enabled; or, with neither set and no admin at all,
 * outside production, a first admin is created and its credentials printed once.
 */
@Injectable()
export class BootstrapAdmin implements OnApplicationBootstrap {
  private readonly logger = new Logger(BootstrapAdmin.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK]);
      const configured = this.config.auth.bootstrapAdmin;
      if (configured) return this.ensureConfiguredAdmin(manager, configured.clientId, configured.clientSecret);
      const admins = await manager.countBy(Principal, { role: 'admin', enabled: true, deletedAt: IsNull() });
      if (admins > 0) return;
      if (this.config.isProduction) {
        throw new Error('no admin principal exists: set BOOTSTRAP_ADMIN_CLIENT_ID and BOOTSTRAP_ADMIN_CLIENT_SECRET (32+ characters) to create the first one');
      }
      await this.createGeneratedAdmin(manager);
    });
  }

  private async ensureConfiguredAdmin(manager: EntityManager, clientId: string, clientSecret: string): Promise<void> {
    const existing = await manager.findOne(Principal, { where: { clientId }, lock: { mode: 'pessimistic_write' } });
    if (!existing) {
      const created = await manager.save(
        manager.create(Principal, {
          name: 'bootstrap admin',
          role: 'admin',
          clientId,
          secretHash: await hashClientSecret(clientSecret),
          allTenants: true,
          tenantIds: [],
        }),
      );
      await this.record(manager, 'principal.created', created.id, { clientId, role: 'admin', source: 'BOOTSTRAP_ADMIN_CLIENT_ID' });
      this.logger.log({ principalId: created.id, clientId }, 'created the admin named by BOOTSTRAP_ADMIN_CLIENT_ID');
      return;
    }
    if (existing.deletedAt) throw new Error(`BOOTSTRAP_ADMIN_CLIENT_ID ${clientId} belongs to a deleted principal; choose another client ID`);
    if (existing.role !== 'admin') throw new Error(`BOOTSTRAP_ADMIN_CLIENT_ID ${clientId} belongs to a ${existing.role} principal, not an admin`);
    const sameSecret = await verifyClientSecret(clientSecret, existing.secretHash);
    if (sameSecret && existing.enabled) return;
    if (!sameSecret) {
      // The configured secret changed: that is a rotation, and it ends the old secret's tokens.
      existing.secretHash = await hashClientSecret(clientSecret);
      existing.secretVersion += 1;
    }
    existing.enabled = true;
    await manager.save(existing);
    await manager.query('SELECT pg_notify($1, $2)', [PRINCIPAL_CHANGED, existing.id]);
    await this.record(manager, sameSecret ? 'principal.updated' : 'principal.secret_rotated', existing.id, {
      clientId,
      source: 'BOOTSTRAP_ADMIN_CLIENT_SECRET',
      enabled: true,
    });
    this.logger.warn({ principalId: existing.id, clientId }, 'updated the bootstrap admin to match BOOTSTRAP_ADMIN_CLIENT_SECRET');
  }

  private async createGeneratedAdmin(manager: EntityManager): Promise<void> {
    const clientId = generateClientId();
    const clientSecret = generateClientSecret();
    const created = await manager.save(
      manager.create(Principal, {
        name: 'first admin (generated)',
        role: 'admin',
        clientId,
        secretHash: await hashClientSecret(clientSecret),
        allTenants: true,
        tenantIds: [],
      }),
    );
    await this.record(manager, 'principal.created', created.id, { clientId, role: 'admin', source: 'generated first admin' });
    this.logger.warn({ principalId: created.id, clientId }, 'no admin existed: created one and printed its credentials to stderr once');
    // Deliberately outside the (redacting) logger: this is the one time the secret can be shown.
    writeSync(
      2,
      [
        '',
        '================================================================================',
        ' No admin principal existed, so one was created. Its secret is shown only now:',
        `   client_id:     ${clientId}`,
        `   client_secret: ${clientSecret}`,
        ' Store it safely. For production, set BOOTSTRAP_ADMIN_CLIENT_ID/_SECRET instead.',
        '================================================================================',
        '',
      ].join('\n'),
    );
  }

  private async record(manager: EntityManager, action: string, principalId: string, details: Record<string, unknown>): Promise<void> {
    await this.audit.record(manager, { actor: systemActor('bootstrap'), action, target: { type: 'principal', id: principalId }, details });
  }
}
