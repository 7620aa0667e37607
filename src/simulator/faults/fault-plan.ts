/**
 * Failures the simulator can be told to produce on `/connect/token`, per client ID or for
 * everyone. Framework-free so that the selection rules can be unit tested.
 */
export const FAULT_KINDS = ['none', 'status', 'latency', 'hang', 'non_json', 'gateway'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export type Fault =
  /** Answer with a 5xx and `{"error":"server_error"}`. */
  | { kind: 'status'; status: number; remaining?: number }
  /** Wait, then answer as usual. */
  | { kind: 'latency'; latencyMs: number; remaining?: number }
  /** Never answer; the connection stays open until the caller gives up. */
  | { kind: 'hang'; remaining?: number }
  /** An HTML page, as a load balancer or WAF in front of the identity service would send. */
  | { kind: 'non_json'; status: number; remaining?: number }
  /** A gateway's own JSON body, `{"statusCode":502,"message":"Bad Gateway"}`: JSON, but not OAuth. */
  | { kind: 'gateway'; status: number; remaining?: number };

export interface FaultRequest {
  kind: FaultKind;
  status?: number;
  latencyMs?: number;
  remaining?: number;
}

export interface FaultProblem {
  field: 'status' | 'latencyMs' | 'remaining';
  message: string;
}

export const MAX_LATENCY_MS = 600_000;

const STATUS_RANGE: Record<'status' | 'non_json' | 'gateway', { min: number; max: number; default: number }> = {
  status: { min: 500, max: 599, default: 503 },
  // A proxy's error page can come with any status, even 200.
  non_json: { min: 200, max: 599, default: 502 },
  gateway: { min: 400, max: 599, default: 502 },
};

/** Turns a request into a fault, or says which field is wrong. `none` yields `undefined`. */
export function toFault(request: FaultRequest): { fault?: Fault; problem?: FaultProblem } {
  const { kind, status, latencyMs, remaining } = request;
  if (kind === 'none') {
    for (const field of ['status', 'latencyMs', 'remaining'] as const) {
      if (request[field] !== undefined) return { problem: { field, message: `${field} does not apply to kind none` } };
    }
    return {};
  }
  if (kind !== 'latency' && latencyMs !== undefined) {
    return { problem: { field: 'latencyMs', message: 'latencyMs applies to kind latency only' } };
  }
  const counted = remaining === undefined ? {} : { remaining };
  switch (kind) {
    case 'latency':
      if (status !== undefined) return { problem: { field: 'status', message: 'status does not apply to kind latency' } };
      if (latencyMs === undefined) return { problem: { field: 'latencyMs', message: 'latencyMs is required for kind latency' } };
      return { fault: { kind, latencyMs, ...counted } };
    case 'hang':
      if (status !== undefined) return { problem: { field: 'status', message: 'status does not apply to kind hang' } };
      return { fault: { kind, ...counted } };
    case 'status':
    case 'non_json':
    case 'gateway': {
      const range = STATUS_RANGE[kind];
      if (status !== undefined && (status < range.min || status > range.max)) {
        return { problem: { field: 'status', message: `status for kind ${kind} must be between ${range.min} and ${range.max}` } };
      }
      return { fault: { kind, status: status ?? range.default, ...counted } };
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
