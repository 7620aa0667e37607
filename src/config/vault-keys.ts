/**
 * The master key variables of the vault, parsed: `VAULT_KEYS` (local keys), `VAULT_PKCS11_KEYS`
 * (key labels in a PKCS#11 token) and `VAULT_ACTIVE_KEY`. Pure, so that configuration and the
 * key rings read them the same way. Messages never echo key material.
 */

export const KEY_VERSION = /^[A-Za-z0-9_-]{1,32}$/;
/** Labels the broker creates and looks up; printable, no separators, so that a list stays unambiguous. */
export const KEY_LABEL = /^[A-Za-z0-9._-]{1,64}$/;
const LOCAL_KEY_BYTES = 32;

export const KEY_RING_KINDS = ['local', 'pkcs11'] as const;
export type KeyRingKind = (typeof KEY_RING_KINDS)[number];

/** `v1:<base64 of 32 bytes>,v2:...` as version -> key bytes. */
export function parseVaultKeys(spec: string): Map<string, Buffer> {
  const keys = new Map<string, Buffer>();
  for (const [index, [version, value]] of entriesOf(spec).entries()) {
    if (!KEY_VERSION.test(version)) throw new Error(`VAULT_KEYS entry ${index + 1} must be <version>:<base64 key>, with a version of letters, digits, _ or -`);
    const key = Buffer.from(value, 'base64');
    if (key.length !== LOCAL_KEY_BYTES) throw new Error(`VAULT_KEYS key ${version} must be base64 of exactly 32 bytes (it is ${key.length})`);
    if (keys.has(version)) throw new Error(`VAULT_KEYS names version ${version} twice`);
    keys.set(version, key);
  }
  if (keys.size === 0) throw new Error('VAULT_KEYS holds no key');
  return keys;
}

/** `v1:broker-kek-v1,v2:broker-kek-v2` as version -> key label in the token. */
export function parsePkcs11Keys(spec: string): Map<string, string> {
  const labels = new Map<string, string>();
  for (const [index, [version, label]] of entriesOf(spec).entries()) {
    if (!KEY_VERSION.test(version) || !KEY_LABEL.test(label)) {
      throw new Error(
        `VAULT_PKCS11_KEYS entry ${index + 1} must be <version>:<key label>, with a version of letters, digits, _ or - and a label of letters, digits, ., _ or - (at most 64)`,
      );
    }
    if (labels.has(version)) throw new Error(`VAULT_PKCS11_KEYS names version ${version} twice`);
    if ([...labels.values()].includes(label)) throw new Error(`VAULT_PKCS11_KEYS names the key label ${label} twice: each version needs a key of its own`);
    labels.set(version, label);
  }
  if (labels.size === 0) throw new Error('VAULT_PKCS11_KEYS holds no key');
  return labels;
}

/** The version that wraps new data keys: VAULT_ACTIVE_KEY, or the only version there is. */
export function activeKeyVersion(versions: readonly string[], active: string | undefined): string {
  const chosen = active ?? (versions.length === 1 ? versions[0] : undefined);
  if (!chosen) throw new Error(`VAULT_ACTIVE_KEY must name the key for new data keys when there are several (${versions.join(', ')})`);
  if (!versions.includes(chosen)) throw new Error(`VAULT_ACTIVE_KEY ${chosen} is not among the master key versions (${versions.join(', ')})`);
  return chosen;
}

export interface VaultKeyVariables {
  ring: KeyRingKind;
  localKeys?: string;
  pkcs11Keys?: string;
  activeKey?: string;
}

/** Problems of the master key variables taken together; an empty list when they make a key ring. */
export function vaultKeyProblems(vars: VaultKeyVariables): string[] {
  const problems: string[] = [];
  let local: string[] = [];
  let pkcs11: string[] = [];
  if (vars.localKeys) local = versionsOr(problems, () => [...parseVaultKeys(vars.localKeys!).keys()]);
  if (vars.ring === 'local' && vars.pkcs11Keys)
    problems.push('VAULT_PKCS11_KEYS is set but VAULT_KEY_RING is local: set VAULT_KEY_RING=pkcs11 to use the PKCS#11 key ring');
  if (vars.ring === 'pkcs11') {
    if (!vars.pkcs11Keys) problems.push('VAULT_PKCS11_KEYS is not set: VAULT_KEY_RING=pkcs11 needs the key versions, as v1:<key label in the token>');
    else pkcs11 = versionsOr(problems, () => [...parsePkcs11Keys(vars.pkcs11Keys!).keys()]);
  }
  const both = local.filter((version) => pkcs11.includes(version));
  if (both.length > 0) problems.push(`VAULT_KEYS and VAULT_PKCS11_KEYS both name version ${both.join(', ')}: a version names one key`);
  if (problems.length > 0) return problems;
  const versions = [...local, ...pkcs11];
  // Without VAULT_KEYS, a local ring is the development key, whose version is known only at start.
  if (versions.length === 0) return vars.activeKey ? ['VAULT_ACTIVE_KEY is set but VAULT_KEYS is not'] : [];
  versionsOr(problems, () => [activeKeyVersion(versions, vars.activeKey)]);
  return problems;
}

function versionsOr(problems: string[], parse: () => string[]): string[] {
  try {
    return parse();
  } catch (error) {
    problems.push((error as Error).message);
    return [];
  }
}

function entriesOf(spec: string): Array<[string, string]> {
  return spec
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((entry) => {
      const colon = entry.indexOf(':');
      return colon > 0 ? [entry.slice(0, colon).trim(), entry.slice(colon + 1).trim()] : ['', entry];
    });
}
