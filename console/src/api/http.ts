import { session } from './session';

export type Query = Record<string, string | number | boolean | null | undefined>;

/** An error answer of the broker: `{ statusCode, code, message, errors?: [{ field, message }], ... }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: Record<string, unknown>,
  ) {
    super(message);
  }

  /** Messages per field of a validation error, for showing beside the inputs. */
  get fieldErrors(): Record<string, string> {
    const errors = Array.isArray(this.body.errors) ? (this.body.errors as Array<{ field?: string; message?: string }>) : [];
    return Object.fromEntries(errors.filter((error) => error.field && error.message).map((error) => [error.field!, error.message!]));
  }
}

/** Sends one request to the broker's REST API as the signed-in admin; waits for a new sign-in on 401. */
export async function request<T>(method: string, path: string, options: { query?: Query; body?: unknown } = {}): Promise<T> {
  const url = withQuery(path, options.query);
  for (;;) {
    const authorization = session.authorization();
    if (authorization === null) {
      await session.expired(null);
      continue;
    }
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          accept: 'application/json',
          authorization,
          ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
        cache: 'no-store',
        credentials: 'omit',
      });
    } catch {
      throw new ApiError(0, 'unreachable', 'The broker cannot be reached. Check the network or that the broker is running.', {});
    }
    // Refused by the guard before anything was done, so sending it again after sign-in is safe.
    if (response.status === 401) {
      await session.expired(authorization);
      continue;
    }
    return parse<T>(response);
  }
}

/** A public route (health): no token. */
export async function publicRequest<T>(path: string): Promise<{ status: number; body: T }> {
  const response = await fetch(path, { headers: { accept: 'application/json' }, cache: 'no-store', credentials: 'omit' });
  return { status: response.status, body: (await response.json().catch(() => ({}))) as T };
}

async function parse<T>(response: Response): Promise<T> {
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (response.ok) return body as T;
  const error = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const retryAfter = response.headers.get('retry-after');
  const message = typeof error.message === 'string' ? error.message : `The broker answered ${response.status}.`;
  throw new ApiError(
    response.status,
    typeof error.code === 'string' ? error.code : `http_${response.status}`,
    retryAfter ? `${message} (retry in ${retryAfter} s)` : message,
    error,
  );
}

function withQuery(path: string, query: Query | undefined): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}
