import { BlockList, isIP } from 'node:net';

/** Loopback, link-local (cloud metadata lives there) and unspecified addresses: never a receiver, unless allowed by name. */
const FORBIDDEN = new BlockList();
FORBIDDEN.addSubnet('127.0.0.0', 8, 'ipv4');
FORBIDDEN.addSubnet('169.254.0.0', 16, 'ipv4');
FORBIDDEN.addSubnet('0.0.0.0', 8, 'ipv4');
FORBIDDEN.addAddress('::1', 'ipv6');
FORBIDDEN.addAddress('::', 'ipv6');
FORBIDDEN.addSubnet('fe80::', 10, 'ipv6');

export interface UrlPolicy {
  allowHttp: boolean;
  allowedHosts: ReadonlySet<string>;
}

/** Whether an address may be reached by a delivery. IPv4-mapped IPv6 addresses are judged as IPv4. */
export function isForbiddenAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return FORBIDDEN.check(mapped[1], 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return FORBIDDEN.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** The host as WEBHOOK_ALLOWED_HOSTS names it: lower case, IPv6 without brackets. */
export function hostOf(url: URL): string {
  return url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
}

/**
 * The checks a URL can pass before it is resolved: a URL, http(s), no credentials in it, and a
 * host that is not a forbidden address or `localhost` (unless allowed). Returns the problem, or
 * null. The resolved addresses are checked again at every delivery (see guardedLookup).
 */
export function urlProblem(text: string, policy: UrlPolicy): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'url must be an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'url must be https';
  if (url.protocol === 'http:' && !policy.allowHttp) return 'url must be https (http only with WEBHOOK_ALLOW_HTTP=true)';
  if (url.username || url.password) return 'url must not hold a user name or password';
  if (url.hash) return 'url must not have a fragment';
  const host = hostOf(url);
  if (policy.allowedHosts.has(host)) return null;
  if (host === 'localhost' || host.endsWith('.localhost') || (isIP(host) !== 0 && isForbiddenAddress(host))) {
    return `url must not reach a loopback or link-local address (${host}) unless WEBHOOK_ALLOWED_HOSTS names it`;
  }
  return null;
}
