import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { calculateJwkThumbprint, CompactSign, createLocalJWKSet, errors, exportJWK, generateKeyPair, importJWK, importPKCS8, SignJWT } from 'jose';
import type { CryptoKey, JWK, JWTPayload, JWTVerifyGetKey } from 'jose';
import { DataSource, EntityManager } from 'typeorm';
import type { Actor } from '../../common/actor';
import { AuditService } from '../../audit/audit.service';
import { AuthError, AuthErrorCode } from '../auth.errors';
import { AppConfig } from '../../config/app-config';
import { DatabaseNotifications } from '../../database/database-notifications';
import { IntegrityError } from '../../vault/envelope';
import { envelopeTableProvider } from '../../vault/envelope-stores';
import { VaultCipher } from '../../vault/vault-cipher';
import { SigningKeyRecord } from './signing-key.entity';
import { TOKEN_SIGNING_ALGORITHM } from './token-signing-algorithm';

const CHANGED = 'signing_keys_changed';
/** Replicas starting together on an empty table must not each create a first key. */
const FIRST_KEY_LOCK = 0x736b_6579; // "skey"
/** At most one reload for an unknown `kid` this often, so made-up kids cannot hammer the database. */
const UNKNOWN_KID_RELOAD_INTERVAL_MS = 5_000;

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export interface SigningKeyInfo {
  kid: string;
  active: boolean;
  createdAt: string | null;
  retiresAt: string | null;
}

/**
 * The ES256 keys the broker signs its callers' tokens with. From AUTH_SIGNING_KEY when set
 * (one key, rotated by changing the variable); otherwise kept in `signing_keys`, sealed by the
 * vault, created by the first replica to start, and shared by all. Rotation adds a key and
 * keeps the old ones in the JWKS until every token they signed has expired.
 */
@Injectable()
export class SigningKeys implements OnModuleInit {
  private readonly logger = new Logger(SigningKeys.name);
  private keys: Array<SigningKey & { createdAt: Date | null; retiresAt: Date | null }> = [];
  private keySet: JWTVerifyGetKey = () => Promise.reject(new Error('signing keys not loaded'));
  private unknownKidReload: Promise<void> | undefined;
  private lastUnknownKidReload = 0;

  constructor(
    private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly cipher: VaultCipher,
    private readonly notifications: DatabaseNotifications,
    private readonly audit: AuditService,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.config.auth.signingKey) {
      this.use([{ ...(await fromPrivateJwkText(this.config.auth.signingKey, 'AUTH_SIGNING_KEY')), createdAt: null, retiresAt: null }]);
      return;
    }
    await this.ensureFirstKey();
    await this.reload();
    await this.notifications.listen(CHANGED, () => void this.reload().catch((error) => this.logger.error({ err: error }, 'reloading signing keys failed')));
  }

  sign(claims: JWTPayload, subject: string, ttlSeconds: number): Promise<string> {
    const active = this.keys[0];
    return new SignJWT(claims)
      .setProtectedHeader({ alg: TOKEN_SIGNING_ALGORITHM, kid: active.kid, typ: 'JWT' })
      .setIssuer(this.config.auth.issuer)
      .setAudience(this.config.auth.audience)
      .setSubject(subject)
      .setIssuedAt()
      .setExpirationTime(`${ttlSeconds}s`)
      .setJti(crypto.randomUUID())
      .sign(active.privateKey);
  }

  /** Public keys for verification, as served at /.well-known/jwks.json. */
  publicJwks(): JWK[] {
    const now = Date.now();
    return this.keys.filter((key) => !key.retiresAt || key.retiresAt.getTime() > now).map((key) => key.publicJwk);
  }

  /** A compact JWS of a JSON document (not a token: no expiry) with the active key, verifiable with the JWKS. */
  async signDocument(document: Record<string, unknown>, type: string): Promise<{ jws: string; kid: string }> {
    const active = this.keys[0];
    const payload = new TextEncoder().encode(JSON.stringify({ ...document, iss: this.config.auth.issuer }));
    const jws = await new CompactSign(payload).setProtectedHeader({ alg: TOKEN_SIGNING_ALGORITHM, kid: active.kid, typ: type }).sign(active.privateKey);
    return { jws, kid: active.kid };
  }

  /**
   * A key resolver for jose. A `kid` it does not know may be a key another replica has just
   * made by rotation, its NOTIFY still on the way: the keys are read again once before refusing.
   */
  verificationKeys(): JWTVerifyGetKey {
    return this.resolveKey;
  }

  private readonly resolveKey: JWTVerifyGetKey = async (header, token) => {
    try {
      return await this.keySet(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey) || !(await this.reloadForUnknownKid())) throw error;
      return this.keySet(header, token);
    }
  };

  /** True when the keys were read again (by this call or one under way). */
  private async reloadForUnknownKid(): Promise<boolean> {
    if (this.config.auth.signingKey) return false;
    if (!this.unknownKidReload) {
      if (Date.now() - this.lastUnknownKidReload < UNKNOWN_KID_RELOAD_INTERVAL_MS) return false;
      this.lastUnknownKidReload = Date.now();
      this.unknownKidReload = this.reload().finally(() => (this.unknownKidReload = undefined));
    }
    try {
      await this.unknownKidReload;
      return true;
    } catch (error) {
      this.logger.error({ err: error }, 'reloading signing keys for an unknown kid failed');
      return false;
    }
  }

  list(): SigningKeyInfo[] {
    return this.keys.map((key, index) => ({
      kid: key.kid,
      active: index === 0,
      createdAt: key.createdAt?.toISOString() ?? null,
      retiresAt: key.retiresAt?.toISOString() ?? null,
    }));
  }

  /** A new active key; the others stay verifiable for one token lifetime, then leave the JWKS. */
  async rotate(actor: Actor): Promise<SigningKeyInfo[]> {
    if (this.config.auth.signingKey) {
      throw new AuthError(AuthErrorCode.SigningKeyConfigured, 'The signing key comes from AUTH_SIGNING_KEY; rotate it by changing that variable');
    }
    await this.dataSource.transaction(async (manager) => {
      const kid = await this.insertNewKey(manager);
      await manager.query(`UPDATE signing_keys SET retired_at = now() + make_interval(secs => $1) WHERE retired_at IS NULL AND kid <> $2`, [
        this.config.auth.tokenTtlSeconds + 60,
        kid,
      ]);
      await this.audit.record(manager, { actor, action: 'auth.signing_key_rotated', target: { type: 'signing_key', id: kid }, details: { kid } });
      await manager.query('SELECT pg_notify($1, $2)', [CHANGED, kid]);
    });
    await this.reload();
    return this.list();
  }

  private async ensureFirstKey(): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [FIRST_KEY_LOCK]);
      const [row] = (await manager.query('SELECT count(*)::int AS n FROM signing_keys WHERE retired_at IS NULL')) as Array<{ n: number }>;
      if (row.n > 0) return;
      const kid = await this.insertNewKey(manager);
      this.logger.log({ kid }, 'created the first token-signing key (sealed in the database by the vault)');
    });
  }

  private async insertNewKey(manager: EntityManager): Promise<string> {
    const { privateKey } = await generateKeyPair(TOKEN_SIGNING_ALGORITHM, { extractable: true });
    const privateJwk = await exportJWK(privateKey);
    const { d: _private, ...publicPart } = privateJwk;
    const kid = await calculateJwkThumbprint(publicPart);
    const context = contextOf(kid);
    const envelope = await this.cipher.newEnvelope(context);
    try {
      await manager.insert(SigningKeyRecord, {
        kid,
        privateKey: this.cipher.sealField(envelope.dataKey, context, 'private_key', JSON.stringify(privateJwk)),
        dataKeyWrapped: envelope.dataKeyWrapped,
        keyVersion: envelope.keyVersion,
      });
    } finally {
      envelope.dataKey.fill(0);
    }
    return kid;
  }

  private async reload(): Promise<void> {
    const records = await this.dataSource
      .getRepository(SigningKeyRecord)
      .createQueryBuilder('k')
      .where('k.retired_at IS NULL OR k.retired_at > now()')
      // Active key first: the newest one that is not retiring.
      .orderBy('k.retired_at IS NULL', 'DESC')
      .addOrderBy('k.created_at', 'DESC')
      .getMany();
    const keys = [];
    for (const [index, record] of records.entries()) {
      let key: SigningKey;
      try {
        key = await this.open(record);
      } catch (error) {
        // Only the key that signs is indispensable; without a retiring one, some tokens it
        // signed are refused early, which beats a service that cannot start.
        if (index === 0) throw error;
        this.logger.error(
          { kid: record.kid, reason: (error as Error).message },
          'skipped a retiring signing key that does not open; tokens it signed are refused',
        );
        continue;
      }
      keys.push({ ...key, createdAt: record.createdAt, retiresAt: record.retiredAt });
    }
    if (keys.length === 0) throw new Error('no token-signing key is available');
    this.use(keys);
  }

  private async open(record: SigningKeyRecord): Promise<SigningKey> {
    const context = contextOf(record.kid);
    let text: string;
    try {
      const dataKey = await this.cipher.openDataKey(record, context);
      try {
        text = this.cipher.openField(dataKey, context, 'private_key', record.privateKey);
      } finally {
        dataKey.fill(0);
      }
    } catch (error) {
      if (error instanceof IntegrityError) throw new Error(`signing key ${record.kid} failed its integrity check: its bytes or its master key changed`);
      throw error;
    }
    return fromPrivateJwkText(text, `signing key ${record.kid}`);
  }

  private use(keys: SigningKeys['keys']): void {
    this.keys = keys;
    this.keySet = createLocalJWKSet({ keys: keys.map((key) => key.publicJwk) });
  }
}

function contextOf(kid: string): string {
  return `signing-key:${kid}`;
}

/** Registers `signing_keys` with the vault, so key checks, status and re-wrap cover it. */
export const signingKeyEnvelopes = envelopeTableProvider('SIGNING_KEY_ENVELOPES', {
  table: 'signing_keys',
  idColumn: 'kid',
  idType: 'varchar',
  context: contextOf,
});

/** A P-256 private key as PKCS#8 PEM or as a JWK. */
async function fromPrivateJwkText(text: string, source: string): Promise<SigningKey> {
  const trimmed = text.trim();
  let privateKey: CryptoKey;
  try {
    if (trimmed.startsWith('-----BEGIN')) {
      privateKey = await importPKCS8(trimmed.replace(/\\n/g, '\n'), TOKEN_SIGNING_ALGORITHM, { extractable: true });
    } else {
      const jwk = JSON.parse(trimmed) as JWK;
      if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.d) throw new Error('not a P-256 private key');
      privateKey = (await importJWK(jwk, TOKEN_SIGNING_ALGORITHM, { extractable: true })) as CryptoKey;
    }
  } catch (error) {
    throw new Error(`${source} is not a P-256 private key as PKCS#8 PEM or JWK (${(error as Error).message})`);
  }
  const { d: _private, ...publicPart } = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(publicPart);
  return { kid, privateKey, publicJwk: { ...publicPart, kid, alg: TOKEN_SIGNING_ALGORITHM, use: 'sig' } };
}
