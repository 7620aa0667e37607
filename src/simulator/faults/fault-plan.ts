/**
 * Failures the simulator can be told to produce on `/connect/token`, per client ID or for
 * everyone. Framework-free so that the selection rules can be unit tested.
 */
export const FAULT_KINDS = ['none', 'status', 'latency', 'hang', 'non_json', 'empty', 'gateway', 'oauth_error'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** What an answering fault may add: a `Retry-After` header, as a 503 or a maintenance page may carry one. */
interface Answering {
  status: number;
  retryAfterSeconds?: number;
  remaining?: number;
}

export type Fault =
  /** Answer with a 5xx and `{"error":"server_error"}`. */
  | ({ kind: 'status' } & Answering)
  /** Wait, then answer as usual. */
  | { kind: 'latency'; latencyMs: number; remaining?: number }
  /** Never answer; the connection stays open until the caller gives up. */
  | { kind: 'hang'; remaining?: number }
  /** An HTML page, as a load balancer, WAF or MyInvois's gateway during maintenance (a 403) sends. */
  | ({ kind: 'non_json' } & Answering)
  /** No body at all (an empty 403 has been seen). */
  | ({ kind: 'empty' } & Answering)
  /** A gateway's own JSON body, `{"statusCode":502,"message":"Bad Gateway"}`: JSON, but not OAuth. */
  | ({ kind: 'gateway' } & Answering)
  /** An OAuth error of your choosing, such as `invalid_request` with "User blocked" or with anything else. */
  | ({ kind: 'oauth_error'; error: string; description: string } & Answering);

export interface FaultRequest {
  kind: FaultKind;
  status?: number;
  latencyMs?: number;
  remaining?: number;
  retryAfterSeconds?: number;
  error?: string;
  description?: string;
}

export interface FaultProblem {
  field: 'status' | 'latencyMs' | 'remaining' | 'retryAfterSeconds' | 'error' | 'description';
  message: string;
}

export const MAX_LATENCY_MS = 600_000;

type AnsweringKind = 'status' | 'non_json' | 'empty' | 'gateway' | 'oauth_error';

const STATUS_RANGE: Record<AnsweringKind, { min: number; max: number; default: number }> = {
  status: { min: 500, max: 599, default: 503 },
  // A proxy's error page can come with any status, even 200.
  non_json: { min: 200, max: 599, default: 502 },
  empty: { min: 200, max: 599, default: 403 },
  gateway: { min: 400, max: 599, default: 502 },
  oauth_error: { min: 400, max: 499, default: 400 },
};

const OPTIONAL_FIELDS = ['status', 'latencyMs', 'remaining', 'retryAfterSeconds', 'error', 'description'] as const;

/** Turns a request into a fault, or says which field is wrong. `none` yields `undefined`. */
export function toFault(request: FaultRequest): { fault?: Fault; problem?: FaultProblem } {
  const { kind, status, latencyMs, remaining, retryAfterSeconds } = request;
  if (kind === 'none') {
    for (const field of OPTIONAL_FIELDS) {
      if (request[field] !== undefined) return { problem: { field, message: `${field} does not apply to kind none` } };
    }
    return {};
  }
  if (kind !== 'latency' && latencyMs !== undefined) {
    return { problem: { field: 'latencyMs', message: 'latencyMs applies to kind latency only' } };
  }
  if (kind !== 'oauth_error') {
    for (const field of ['error', 'description'] as const) {
      if (request[field] !== undefined) return { problem: { field, message: `${field} applies to kind oauth_error only` } };
    }
  }
  const counted = remaining === undefined ? {} : { remaining };
  switch (kind) {
    case 'latency':
    case 'hang': {
      for (const field of ['status', 'retryAfterSeconds'] as const) {
        if (request[field] !== undefined) return { problem: { field, message: `${field} does not apply to kind ${kind}` } };
      }
      if (kind === 'hang') return { fault: { kind, ...counted } };
      if (latencyMs === undefined) return { problem: { field: 'latencyMs', message: 'latencyMs is required for kind latency' } };
      return { fault: { kind, latencyMs, ...counted } };
    }
    default: {
      const range = STATUS_RANGE[kind];
      if (status !== undefined && (status < range.min || status > range.max)) {
        return { problem: { field: 'status', message: `status for kind ${kind} must be between ${range.min} and ${range.max}` } };
      }
      const answering = { status: status ?? range.default, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }), ...counted };
      if (kind !== 'oauth_error') return { fault: { kind, ...answering } };
      if (request.error === undefined) return { problem: { field: 'error', message: 'error is required for kind oauth_error' } };
      return { fault: { kind, error: request.error, description: request.description ?? '', ...answering } };
    }
  }
}

/**
 * The faults in force. A client's own fault wins over the global one; a fault with
 * `remaining` serves that many requests, then clears itself.
 */
export class FaultPlan {
  private global: Fault | undefined;
  private readonly perClient = new Map<string, Fault>();

  setGlobal(fault: Fault | undefined): void {
    this.global = fault && { ...fault };
  }

  setForClient(clientId: string, fault: Fault | undefined): void {
    if (fault) this.perClient.set(clientId, { ...fault });
    else this.perClient.delete(clientId);
  }

  clearAll(): void {
    this.global = undefined;
    this.perClient.clear();
  }

  /** The fault to serve to the next request from this client (if any), used up by one. */
  take(clientId: string | undefined): Fault | undefined {
    const own = clientId === undefined ? undefined : this.perClient.get(clientId);
    if (own) {
      if (this.useUp(own)) this.perClient.delete(clientId!);
      return own;
    }
    const global = this.global;
    if (global && this.useUp(global)) this.global = undefined;
    return global;
  }

  snapshot(): { global: Fault | null; clients: Record<string, Fault> } {
    return { global: this.global ? { ...this.global } : null, clients: Object.fromEntries([...this.perClient].map(([id, fault]) => [id, { ...fault }])) };
  }

  /** Counts one request against `remaining`; true when that was the last one. */
  private useUp(fault: Fault): boolean {
    if (fault.remaining === undefined) return false;
    fault.remaining -= 1;
    return fault.remaining <= 0;
  }
}
