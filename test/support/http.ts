export interface HttpResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
  /** The raw response text, for checks that must see exactly what was sent. */
  text: string;
}

export interface RequestOptions {
  token?: string;
  headers?: Record<string, string>;
  /** Sent as is (a string) instead of JSON. */
  raw?: string;
  contentType?: string;
}

/** A small JSON client for a service under test; never throws on HTTP errors. */
export class HttpClient {
  constructor(
    readonly baseUrl: string,
    private readonly defaults: RequestOptions = {},
  ) {}

  withToken(token: string): HttpClient {
    return new HttpClient(this.baseUrl, { ...this.defaults, token });
  }

  get<T = any>(path: string, options?: RequestOptions) {
    return this.request<T>('GET', path, undefined, options);
  }
  post<T = any>(path: string, body?: unknown, options?: RequestOptions) {
    return this.request<T>('POST', path, body, options);
  }
  put<T = any>(path: string, body?: unknown, options?: RequestOptions) {
    return this.request<T>('PUT', path, body, options);
  }
  patch<T = any>(path: string, body?: unknown, options?: RequestOptions) {
    return this.request<T>('PATCH', path, body, options);
  }
  delete<T = any>(path: string, options?: RequestOptions) {
    return this.request<T>('DELETE', path, undefined, options);
  }

  async request<T = any>(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<HttpResult<T>> {
    const merged = { ...this.defaults, ...options };
    const headers: Record<string, string> = { ...merged.headers };
    if (merged.token) headers.authorization = `Bearer ${merged.token}`;
    let payload: string | undefined;
    if (merged.raw !== undefined) {
      payload = merged.raw;
      headers['content-type'] = merged.contentType ?? 'application/json';
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] = 'application/json';
    }
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, body: payload });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON; keep the text
    }
    return { status: response.status, headers: response.headers, body: parsed as T, text };
  }
}
