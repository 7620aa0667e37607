import { useEffect, useState } from 'preact/hooks';
import { credentials, tenants } from '../api/broker';
import type { Credential, Tenant } from '../api/types';
import { href } from '../router';
import { shortId } from './format';

/**
 * Tables of token keys and audit events carry ids; these show the tenant's name or the
 * credential's label instead, read once per id and shared by every row and page.
 */
const tenantNames = new Map<string, Promise<Tenant | null>>();
const credentialNames = new Map<string, Promise<Credential | null>>();

function lookup<T>(cache: Map<string, Promise<T | null>>, id: string, load: (id: string) => Promise<T>): Promise<T | null> {
  let found = cache.get(id);
  if (!found) {
    found = load(id).catch(() => null);
    cache.set(id, found);
  }
  return found;
}

function useLookup<T>(cache: Map<string, Promise<T | null>>, id: string | null, load: (id: string) => Promise<T>): T | null | undefined {
  const [value, setValue] = useState<T | null | undefined>();
  useEffect(() => {
    let live = true;
    if (id) void lookup(cache, id, load).then((found) => live && setValue(found));
    return () => {
      live = false;
    };
  }, [id]);
  return value;
}

/** Forget what was read, after a change made here (a rename, a new label). */
export function forgetName(id: string): void {
  tenantNames.delete(id);
  credentialNames.delete(id);
}

export function TenantLink({ id }: { id: string | null }) {
  const tenant = useLookup(tenantNames, id, tenants.get);
  if (!id) return <span class="muted">—</span>;
  return (
    <a href={href(`/tenants/${id}`)} title={id}>
      {tenant ? `${tenant.name} (${tenant.tin})` : tenant === null ? `${shortId(id)} (deleted)` : shortId(id)}
    </a>
  );
}

export function credentialName(credential: Credential): string {
  return credential.label ? `${credential.label}` : credential.clientId;
}

export function CredentialLink({ id }: { id: string | null }) {
  const credential = useLookup(credentialNames, id, credentials.get);
  if (!id) return <span class="muted">—</span>;
  return (
    <a href={href(`/credentials/${id}`)} title={id}>
      {credential ? credentialName(credential) : shortId(id)}
    </a>
  );
}
