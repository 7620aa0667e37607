import { decodeJwt } from 'jose';

/**
 * What a MyInvois access token says about itself, read without trusting it: MyInvois publishes
 * no signing key, and its claim names have changed over time (2024: `aud` an array, `TaxTin`;
 * 2025: `aud` a string, `TaxpayerTIN`, `IntermedROB`). No claim is required; what is missing or
 * of another type reads as null (or an empty list).
 */
export interface TokenClaims {
  issuer: string | null;
  /** `aud`, a string or an array of them. */
  audience: string[];
  /** `scope`, an array (MyInvois) or a space-separated string. */
  scopes: string[];
  clientId: string | null;
  /** `TaxpayerTIN`, or `TaxTin` in older tokens. */
  taxpayerTin: string | null;
  /** `IsIntermediary`: the strings "1" and "0" (the simulator once said "True"/"False"). */
  isIntermediary: boolean | null;
  /** `IntermedTIN`; MyInvois sends "" for a taxpayer's own login, read as null. */
  intermediaryTin: string | null;
  /** `IntermedROB` (2025 tokens); "" read as null. */
  intermediaryRob: string | null;
  /** `exp` in seconds since the epoch. */
  expiresAt: number | null;
}

/** The claims of a JWT, or null when it is not a JWT anyone could read. */
export function readTokenClaims(token: string): TokenClaims | null {
  let claims: Record<string, unknown>;
  try {
    claims = decodeJwt(token);
  } catch {
    return null;
  }
  return {
    issuer: text(claims.iss),
    audience: list(claims.aud),
    scopes: typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : list(claims.scope),
    clientId: text(claims.client_id),
    taxpayerTin: text(claims.TaxpayerTIN) ?? text(claims.TaxTin),
    isIntermediary: flag(claims.IsIntermediary),
    intermediaryTin: text(claims.IntermedTIN),
    intermediaryRob: text(claims.IntermedROB),
    expiresAt: typeof claims.exp === 'number' && Number.isFinite(claims.exp) ? claims.exp : null,
  };
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

function list(value: unknown): string[] {
  if (typeof value === 'string') return value ? [value] : [];
  return Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : [];
}

function flag(value: unknown): boolean | null {
  if (value === true || value === 1) return true;
  if (value === false || value === 0) return false;
  if (typeof value !== 'string') return null;
  const normalised = value.trim().toLowerCase();
  if (normalised === '1' || normalised === 'true') return true;
  if (normalised === '0' || normalised === 'false') return false;
  return null;
}
