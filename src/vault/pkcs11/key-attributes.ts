import type { FoundKey } from './device-protocol';

const CKK_AES = 0x1f;
const AES_256_BYTES = 32;

/**
 * Why a key found in the token must not be a master key (`refusals`: the broker does not start),
 * or should worry its operator (`warnings`). A master key must stay in the device: sensitive (its
 * value is never revealed) and not extractable (it cannot be wrapped out).
 */
export function judgeMasterKey(found: FoundKey, tokenLabel: string): { refusals: string[]; warnings: string[] } {
  const name = `the key labelled ${found.label}`;
  if (found.count === 0) return { refusals: [`token ${tokenLabel} holds no secret key labelled ${found.label}`], warnings: [] };
  if (found.count > 1)
    return { refusals: [`token ${tokenLabel} holds ${found.count} secret keys labelled ${found.label}: a label must name one key`], warnings: [] };
  const a = found.attributes!;
  const refusals: string[] = [];
  if (a.extractable !== false) {
    refusals.push(`${name} is extractable (CKA_EXTRACTABLE is not false): the token would let it be wrapped and taken out, so it is no safer than VAULT_KEYS`);
  }
  if (a.sensitive !== true) refusals.push(`${name} is not sensitive (CKA_SENSITIVE is not true): the token would reveal its value`);
  if (a.keyType !== CKK_AES || a.valueLen !== AES_256_BYTES) refusals.push(`${name} is not an AES-256 key`);
  if (a.token !== true) refusals.push(`${name} is a session object, gone when the session ends (CKA_TOKEN is not true)`);
  const denied = (['encrypt', 'decrypt', 'sign'] as const).filter((use) => a[use] !== true);
  if (denied.length > 0) {
    refusals.push(
      `${name} may not ${denied.join(', ')} (${denied.map((use) => `CKA_${use.toUpperCase()}`).join(', ')}): the vault wraps data keys with it (AES-GCM) and checks it with AES-CMAC`,
    );
  }
  const warnings: string[] = [];
  if (refusals.length === 0 && (a.alwaysSensitive === false || a.neverExtractable === false)) {
    warnings.push(`${name} was not always sensitive and non-extractable in the token (it was imported, or changed): copies of its value may exist outside it`);
  }
  return { refusals, warnings };
}
