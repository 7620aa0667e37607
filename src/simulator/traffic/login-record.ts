/** One successful login, as `GET /_sim/clients/:clientId/logins` shows it. */
export interface LoginRecord {
  /** ISO 8601. */
  at: string;
  /** The `onbehalfof` header as sent, or null for a taxpayer login. */
  onBehalfOf: string | null;
  /** The `scope` field as sent, or null when absent. */
  scope: string | null;
  /** Which of the client's two secrets was used. */
  secret: 1 | 2;
  /** ISO 8601: the token's `exp`. */
  expiresAt: string;
  jti: string;
}

/** One answer that was not a token (an OAuth error, a 429, a fault), as `GET /_sim/clients/:clientId/failures` shows it. */
export interface FailedAnswer {
  /** ISO 8601. */
  at: string;
  status: number;
  /** The `correlationId` header it carried. */
  correlationId: string;
  /** Its `Retry-After` header (seconds), when it had one. */
  retryAfterSeconds?: number;
}
