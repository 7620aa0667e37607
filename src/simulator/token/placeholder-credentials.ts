/**
 * Values that MyInvois blocks automatically when sent as a client ID or secret: copies of
 * sample configuration, and what an unset variable turns into when stringified.
 */
const PLACEHOLDERS = new Set(['', '0', 'your_client_id', 'your_client_secret', 'null', 'undefined']);

export function isPlaceholderCredential(value: string): boolean {
  return PLACEHOLDERS.has(value.trim().toLowerCase());
}
