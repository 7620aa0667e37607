export const CLIENT_KINDS = ['taxpayer', 'intermediary'] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number];

/** An ERP or intermediary system registered with the simulated MyInvois identity service. */
export interface SimulatedClient {
  clientId: string;
  /** MyInvois issues two secrets per client; either one logs in. */
  secrets: [string] | [string, string];
  kind: ClientKind;
  tin: string;
  brn: string | null;
  /** Taxpayers (`TIN` or `TIN:BRN`) an intermediary may act for; always empty for taxpayers. */
  allowedOnBehalfOf: string[];
  blocked: boolean;
  /** Null: the simulator's default. */
  rateLimitPerMinute: number | null;
  /** Null: the simulator's default. */
  tokenTtlSeconds: number | null;
}
