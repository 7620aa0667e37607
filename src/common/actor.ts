/**
 * Who did something, as the audit log records it: a principal (with the request it came in),
 * the broker itself (a scheduled job), or an unauthenticated caller (a refused request).
 */
export type Actor =
  | { type: 'principal'; id: string; name: string; requestId?: string; callerIp?: string }
  | { type: 'system'; name: string }
  | { type: 'anonymous'; requestId?: string; callerIp?: string };

/** The broker's own jobs, named after the job. */
export function systemActor(job: string): Actor {
  return { type: 'system', name: job };
}
