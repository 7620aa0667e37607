import { Injectable, Logger } from '@nestjs/common';
import { createRemoteJWKSet, decodeJwt, errors, jwtVerify } from 'jose';
import type { JWTPayload, JWTVerifyGetKey } from 'jose';
import { isPlainText, isUuid } from '../../common/formats';
import { AppConfig } from '../../config/app-config';
import { AuthError } from '../auth.errors';
import { SigningKeys } from '../signing-keys/signing-keys';
import { TOKEN_SIGNING_ALGORITHM } from '../signing-keys/token-signing-algorithm';

/** What a verified bearer token says about its holder. */
export type VerifiedToken =
  { kind: 'broker'; principalId: string; secretVersion: number; expiresAtMs: number } | { kind: 'external'; subject: string; expiresAtMs: number };

/** Asymmetric algorithms only: an HMAC token could be forged by anyone holding the public key. */
const EXTERNAL_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const VERIFIED_CACHE_SIZE = 10_000;
/** jose waits this long before it fetches the identity provider's keys again. */
const JWKS_COOLDOWN_MS = 30_000;
/** What the key set says about the token itself; any other failure means the keys could not be had. */
const TOKEN_KEY_ERRORS = [errors.JWKSNoMatchingKey, errors.JWKSMultipleMatchingKeys, errors.JOSENotSupported];

/**
 * Verifies bearer tokens: the broker's own (ES256, its key set) and, when configured, those of
 * the provider's identity provider (its JWKS URL). On the hot path the same token arrives again
 * and again, so a verified token is remembered by its exact text until it expires: identical
 * bytes verify identically, and expiry is checked on every use.
 */
@Injectable()
export class AccessTokenVerifier {
  private readonly logger = new Logger(AccessTokenVerifier.name);
  private readonly verified = new Map<string, VerifiedToken>();
  private readonly brokerKeys: JWTVerifyGetKey;
  private readonly externalKeys?: JWTVerifyGetKey;
  private lastUnavailableWarning = 0;

  constructor(
    private readonly config: AppConfig,
    signingKeys: SigningKeys,
  ) {
    // Resolved per call: the keys are loaded in SigningKeys.onModuleInit and change on rotation.
    this.brokerKeys = (header, token) => signingKeys.verificationKeys()(header, token);
    if (config.auth.external) {
      const remote = createRemoteJWKSet(new URL(config.auth.external.jwksUrl), {
        cooldownDuration: JWKS_COOLDOWN_MS,
        cacheMaxAge: 10 * 60_000,
        timeoutDuration: 5_000,
      });
      this.externalKeys = async (header, token) => {
        try {
          return await remote(header, token);
        } catch (error) {
          if (TOKEN_KEY_ERRORS.some((type) => error instanceof type)) throw error;
          this.warnUnavailable(error);
          throw AuthError.identityProviderUnavailable(JWKS_COOLDOWN_MS / 1000);
        }
      };
    }
  }

  async verify(token: string): Promise<VerifiedToken> {
    const cached = this.verified.get(token);
    if (cached) {
      if (cached.expiresAtMs > Date.now()) return cached;
      this.verified.delete(token);
      throw AuthError.invalidToken('token expired');
    }
    const result = await this.verifySignature(token);
    if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.delete(this.verified.keys().next().value as string);
    this.verified.set(token, result);
    return result;
  }

  /** Forget remembered tokens (after a key change). */
  clear(): void {
    this.verified.clear();
  }

  private async verifySignature(token: string): Promise<VerifiedToken> {
    let issuer: unknown;
    try {
      issuer = decodeJwt(token).iss;
    } catch {
      throw AuthError.invalidToken('not a JWT');
    }
    const external = this.config.auth.external;
    if (issuer === this.config.auth.issuer) {
      const payload = await this.check(token, this.brokerKeys, {
        issuer: this.config.auth.issuer,
        audience: this.config.auth.audience,
        algorithms: [TOKEN_SIGNING_ALGORITHM],
        // The broker issues nothing older than its own lifetime, nor dated in the future: a leaked or
        // misused signing key must not mint tokens that live for ever.
        maxTokenAge: this.config.auth.tokenTtlSeconds,
      });
      if (payload.exp! - payload.iat! > this.config.auth.tokenTtlSeconds) throw AuthError.invalidToken('token lives longer than the broker issues');
      if (!isUuid(payload.sub) || typeof payload.sv !== 'number') throw AuthError.invalidToken('invalid token');
      return { kind: 'broker', principalId: payload.sub, secretVersion: payload.sv, expiresAtMs: payload.exp! * 1000 };
    }
    if (external && this.externalKeys && issuer === external.issuer) {
      const payload = await this.check(token, this.externalKeys, {
        issuer: external.issuer,
        audience: external.audience,
        algorithms: EXTERNAL_ALGORITHMS,
      });
      const subject = payload[external.principalClaim];
      if (typeof subject !== 'string' || subject === '') {
        throw AuthError.invalidToken(`token has no ${external.principalClaim} claim`);
      }
      // It is looked up in PostgreSQL, which refuses NUL in text; no principal has such a subject.
      if (!isPlainText(subject)) throw AuthError.invalidToken('unknown principal');
      return { kind: 'external', subject, expiresAtMs: payload.exp! * 1000 };
    }
    throw AuthError.invalidToken('unknown issuer');
  }

  private async check(
    token: string,
    keys: JWTVerifyGetKey,
    options: { issuer: string; audience: string; algorithms: string[]; maxTokenAge?: number },
  ): Promise<JWTPayload> {
    try {
      const { payload } = await jwtVerify(token, keys, { ...options, requiredClaims: ['exp', 'iat'], clockTolerance: 5 });
      return payload;
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw AuthError.invalidToken('token expired');
      if (error instanceof errors.JOSEError) {
        this.logger.debug({ code: error.code }, 'bearer token refused');
        throw AuthError.invalidToken('invalid token');
      }
      throw error;
    }
  }

  /** Once per cooldown at most: while the identity provider is down, every request would say it. */
  private warnUnavailable(error: unknown): void {
    const now = Date.now();
    if (now - this.lastUnavailableWarning < JWKS_COOLDOWN_MS) return;
    this.lastUnavailableWarning = now;
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    const url = new URL(this.config.auth.external!.jwksUrl);
    // Origin and path only: a URL may carry credentials.
    this.logger.warn({ jwks: `${url.origin}${url.pathname}`, reason }, "cannot fetch the identity provider's signing keys; answering 503");
  }
}
