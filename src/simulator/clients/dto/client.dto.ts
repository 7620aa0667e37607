import type { ClientKind, TokenShape } from '../simulated-client';

/** A registered client as the control API shows it. Secrets included: this API exists for tests only. */
export class ClientDto {
  clientId!: string;
  secrets!: string[];
  kind!: ClientKind;
  tin!: string;
  brn!: string | null;
  allowedOnBehalfOf!: string[];
  blocked!: boolean;
  rateLimitPerMinute!: number | null;
  tokenTtlSeconds!: number | null;
  tokenShape!: TokenShape;
}
