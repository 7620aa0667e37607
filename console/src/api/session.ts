/**
 * The admin's broker token, held in this module's memory only: never in localStorage,
 * sessionStorage, a cookie or the DOM, so a reload or a closed tab ends the session. When the
 * broker answers 401 (the token expired, the secret was rotated, the admin disabled), requests
 * wait here until the admin signs in again, then go on: the page and its state stay as they were.
 */

export interface SignedInPrincipal {
  id: string;
  role: string;
  clientId: string;
  expiresAt: Date;
}

export type SessionState = { kind: 'signed-out' } | { kind: 'signed-in'; principal: SignedInPrincipal } | { kind: 'expired'; principal: SignedInPrincipal };

export class SignInError extends Error {}

type Listener = (state: SessionState) => void;

class Session {
  #token: string | null = null;
  #state: SessionState = { kind: 'signed-out' };
  #listeners = new Set<Listener>();
  /** Requests that met a 401 wait on this until the next sign-in. */
  #renewal: { promise: Promise<void>; resolve: () => void } | null = null;

  get state(): SessionState {
    return this.#state;
  }

  /** The Authorization header value, or null while nobody is signed in. */
  authorization(): string | null {
    return this.#token && this.#state.kind === 'signed-in' ? `Bearer ${this.#token}` : null;
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The broker's own client-credentials grant; the secret is sent once and never kept. */
  async signIn(clientId: string, clientSecret: string): Promise<void> {
    let response: Response;
    try {
      response = await fetch('/v1/auth/token', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }),
        cache: 'no-store',
        credentials: 'omit',
      });
    } catch {
      throw new SignInError('The broker cannot be reached. Check that it is running, then try again.');
    }
    const body = (await response.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; error?: string; error_description?: string };
    if (response.status === 429) throw new SignInError(body.error_description ?? 'Too many failed attempts; wait a few minutes and try again.');
    if (!response.ok || !body.access_token) {
      throw new SignInError(
        body.error === 'invalid_client'
          ? 'The client ID or secret is wrong, or the principal is disabled.'
          : (body.error_description ?? `Sign-in failed (${response.status}).`),
      );
    }
    const claims = decodeClaims(body.access_token);
    if (claims.role !== 'admin') throw new SignInError('The console is for admins: this principal has the role "service".');
    this.#token = body.access_token;
    this.#set({
      kind: 'signed-in',
      principal: { id: String(claims.sub), role: String(claims.role), clientId, expiresAt: new Date(Date.now() + (body.expires_in ?? 0) * 1000) },
    });
    this.#renewal?.resolve();
    this.#renewal = null;
  }

  /**
   * A request was refused with 401 while sending `authorization`. Unless someone has signed in
   * again meanwhile, the console asks for a new sign-in; resolves once there is one.
   */
  expired(authorization: string | null): Promise<void> {
    if (authorization !== null && authorization !== this.authorization() && this.#state.kind === 'signed-in') return Promise.resolve();
    if (this.#state.kind === 'signed-in') {
      this.#token = null;
      this.#set({ kind: 'expired', principal: this.#state.principal });
    }
    if (!this.#renewal) {
      let resolve!: () => void;
      const promise = new Promise<void>((done) => (resolve = done));
      this.#renewal = { promise, resolve };
    }
    return this.#renewal.promise;
  }

  signOut(): void {
    this.#token = null;
    this.#set({ kind: 'signed-out' });
  }

  #set(state: SessionState): void {
    this.#state = state;
    for (const listener of this.#listeners) listener(state);
  }
}

/** Claims are read only to show who is signed in and to refuse non-admins early; the broker verifies the token. */
function decodeClaims(token: string): Record<string, unknown> {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(payload)) as Record<string, unknown>;
  } catch {
    return {};
  }
}

export const session = new Session();
