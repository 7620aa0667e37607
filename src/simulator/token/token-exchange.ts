import { TokenRequest } from './token-request';

/** One token request and the connection it came on, as the gateway needs them. */
export interface TokenExchange {
  readonly request: TokenRequest;
  /** True once the response was sent or the caller went away. */
  readonly closed: boolean;
  /** Called once, when the response is sent or the connection closes; at once if it already has. */
  onClosed(listener: () => void): void;
  /** Drops the connection without an answer. */
  abandon(): void;
}
