/**
 * Values MyInvois blocks automatically as client IDs or secrets (myinvois-identity.md): empty,
 * `0`, sample values copied from documentation, and what an unset variable becomes as text.
 * The broker refuses to store them, so it can never send one.
 */
const EXACT = new Set([
  '0',
  'null',
  'undefined',
  'none',
  'nil',
  'false',
  'true',
  'test',
  'changeme',
  'change_me',
  'secret',
  'password',
  'client_id',
  'client_secret',
  'clientid',
  'clientsecret',
  'your_client_id',
  'your_client_secret',
  'your-client-id',
  'your-client-secret',
  'yourclientid',
  'yourclientsecret',
  '00000000-0000-0000-0000-000000000000',
]);

/** Why this value cannot be a real MyInvois client ID or secret, or undefined when it can. */
export function placeholderProblem(value: string): string | undefined {
  const normalised = value.trim().toLowerCase();
  if (normalised === '') return 'is empty';
  if (EXACT.has(normalised)) return `is a placeholder (${value.trim()}), which MyInvois blocks`;
  if (/^(your|my|insert|enter)[-_ ]/.test(normalised) || /^<.*>$/.test(normalised) || /^\$\{.*\}$/.test(normalised) || /^x+$/.test(normalised)) {
    return 'looks like a placeholder from sample configuration, which MyInvois blocks';
  }
  if (/^(.)\1+$/.test(normalised)) return 'is one character repeated, a placeholder MyInvois blocks';
  return undefined;
}
