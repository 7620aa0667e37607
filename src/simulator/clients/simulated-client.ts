export const CLIENT_KINDS = ['taxpayer', 'intermediary'] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number];

/** The claim names of the access tokens: MyInvois's of 2025 (the default) or of 2024 (`aud` an array, `TaxTin`, no `IntermedROB`). */
export const TOKEN_SHAPES = ['2025', '2024'] as const;
export type TokenShape = (typeof TOKEN_SHAPES)[number];

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
  tokenShape: TokenShape;
}
