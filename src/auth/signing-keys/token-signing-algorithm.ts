/** The one algorithm of the broker's own access tokens (signing keys, verification, discovery metadata). */
export const TOKEN_SIGNING_ALGORITHM = 'ES256';
