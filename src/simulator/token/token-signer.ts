import { calculateJwkThumbprint, CryptoKey, exportJWK, generateKeyPair, JWK, JWTPayload, SignJWT } from 'jose';

/**
 * Signs access tokens with an RS256 key pair made at start. Real MyInvois publishes no key;
 * the simulator serves its public key so that tests can check every token it issued.
 */
export class TokenSigner {
  private constructor(
    private readonly privateKey: CryptoKey,
    private readonly publicJwk: JWK & { kid: string },
  ) {}

  static async generate(): Promise<TokenSigner> {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(jwk);
    return new TokenSigner(privateKey, { ...jwk, kid, alg: 'RS256', use: 'sig' });
  }

  get kid(): string {
    return this.publicJwk.kid;
  }

  sign(claims: JWTPayload): Promise<string> {
    // `at+jwt` is what IdentityServer, which serves MyInvois's /connect/token, puts in access tokens.
    return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: this.kid, typ: 'at+jwt' }).sign(this.privateKey);
  }

  jwks(): { keys: JWK[] } {
    return { keys: [{ ...this.publicJwk }] };
  }
}
