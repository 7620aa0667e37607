import { join } from 'node:path';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, importPKCS8, JWK, SignJWT } from 'jose';
import type { CryptoKey, JWTPayload } from 'jose';
import { readOrCreateKeyFile } from '../common/local-key-file';
import { AppConfig } from '../config/app-config';

const ALGORITHM = 'ES256';

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/**
 * The ES256 key the broker signs its callers' tokens with. It comes from AUTH_SIGNING_KEY, or,
 * outside production, from a key file generated under DATA_DIR on first start. Replicas must
 * share one key (a token from one must verify on another), so production requires the variable.
 */
@Injectable()
export class SigningKeys implements OnModuleInit {
  private readonly logger = new Logger(SigningKeys.name);
  private active!: SigningKey;

  constructor(private readonly config: AppConfig) {}

  async onModuleInit(): Promise<void> {
    this.active = await this.load();
  }

  get algorithm(): string {
    return ALGORITHM;
  }

  /** Public keys for verification, as served at /.well-known/jwks.json. */
  publicJwks(): JWK[] {
    return [this.active.publicJwk];
  }

  sign(claims: JWTPayload, subject: string, ttlSeconds: number): Promise<string> {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: ALGORITHM, kid: this.active.kid, typ: 'JWT' })
      .setIssuer(this.config.auth.issuer)
      .setAudience(this.config.auth.audience)
      .setSubject(subject)
      .setIssuedAt()
      .setExpirationTime(`${ttlSeconds}s`)
      .setJti(crypto.randomUUID())
      .sign(this.active.privateKey);
  }

  private async load(): Promise<SigningKey> {
    if (this.config.auth.signingKey) return fromText(this.config.auth.signingKey, 'AUTH_SIGNING_KEY');
    if (this.config.isProduction) {
      throw new Error('AUTH_SIGNING_KEY is required when NODE_ENV=production, so that every replica signs and verifies with one key');
    }
    const file = join(this.config.dataDir, 'auth-signing-key.jwk.json');
    const { text, created } = await readOrCreateKeyFile(file, async () =>
      JSON.stringify(await exportJWK((await generateKeyPair(ALGORITHM, { extractable: true })).privateKey)),
    );
    if (created) {
      this.logger.warn({ file }, 'AUTH_SIGNING_KEY is not set: generated a development signing key (set AUTH_SIGNING_KEY for production and for several replicas)');
    }
    return fromText(text, file);
  }
}

/** A P-256 private key as PKCS#8 PEM or as a JWK. */
async function fromText(text: string, source: string): Promise<SigningKey> {
  const trimmed = text.trim();
  let privateKey: CryptoKey;
  try {
    if (trimmed.startsWith('-----BEGIN')) {
      privateKey = await importPKCS8(trimmed.replace(/\\n/g, '\n'), ALGORITHM, { extractable: true });
    } else {
      const jwk = JSON.parse(trimmed) as JWK;
      if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.d) throw new Error('not a P-256 private key');
      privateKey = (await importJWK(jwk, ALGORITHM, { extractable: true })) as CryptoKey;
    }
  } catch (error) {
    throw new Error(`${source} is not a P-256 private key as PKCS#8 PEM or JWK (${(error as Error).message})`);
  }
  const { d: _private, ...publicPart } = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(publicPart);
  return { kid, privateKey, publicJwk: { ...publicPart, kid, alg: ALGORITHM, use: 'sig' } };
}
