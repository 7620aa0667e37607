import { ValidateBy } from 'class-validator';

/** An AUTH_ISSUER that starts like a URL is meant as one: the issuer of the authorization server metadata. */
export function isIssuerUrl(value: string): boolean {
  return /^https?:\/\//i.test(value);
}

/**
 * Why such an AUTH_ISSUER cannot be served as the metadata's issuer, or undefined when it can.
 * The broker serves its metadata at its root, so the issuer is an origin (RFC 8414 §3).
 */
export function issuerUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a valid URL';
  }
  if (url.username || url.password) return 'must not hold credentials';
  if (url.pathname !== '/' || url.search || url.hash || value.endsWith('/')) {
    return 'must be the origin callers reach the broker at, such as https://broker.example.com (no path, query, fragment or trailing slash)';
  }
  return undefined;
}

/** Any text, or a URL fit to be the issuer of the metadata. */
export function IsIssuer(): PropertyDecorator {
  return ValidateBy({
    name: 'isIssuer',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && (!isIssuerUrl(value) || issuerUrlProblem(value) === undefined),
      defaultMessage: (args) => `${args?.property} ${issuerUrlProblem(String(args?.value))}`,
    },
  });
}
