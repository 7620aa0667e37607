import { readTokenClaims } from './token-claims';

const encode = (claims: Record<string, unknown>) =>
  `${Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'at+jwt' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;

/** The two decoded real tokens of myinvois-identity.md ("Token claims drift"), their values made up. */
const SANDBOX_2024 = {
  iss: 'https://preprod-identity.myinvois.hasil.gov.my',
  aud: ['InvoicingAPI', 'https://preprod-identity.myinvois.hasil.gov.my/resources'],
  nbf: 1720000000,
  iat: 1720000000,
  exp: 1720003600,
  scope: ['InvoicingAPI'],
  client_id: '8f0e1c52-0000-4000-8000-000000000001',
  name: 'C1234567890:8f0e1c52-0000-4000-8000-000000000001',
  TaxTin: 'C1234567890',
  IsIntermediary: '0',
  IntermedId: '0',
  IntermedTIN: '',
  IntermedEnforced: '2',
  IsTaxRepres: '1',
  IsTaxAdmin: '0',
  IsSystem: '1',
  NatId: '',
};

const PRODUCTION_2025 = {
  iss: 'https://identity.myinvois.hasil.gov.my',
  aud: 'https://identity.myinvois.hasil.gov.my/resources',
  nbf: 1763000000,
  iat: 1763000000,
  exp: 1763003600,
  scope: ['InvoicingAPI'],
  client_id: '8f0e1c52-0000-4000-8000-000000000002',
  name: 'C25845632020:8f0e1c52-0000-4000-8000-000000000002',
  TaxpayerTIN: 'C25845632020',
  IsIntermediary: '1',
  IntermedId: '4711',
  IntermedTIN: 'C9876543210',
  IntermedROB: '201901234567',
  IntermedEnforced: '2',
};

describe('reading MyInvois token claims without trusting them', () => {
  it('reads the 2024 sandbox shape: aud an array, TaxTin, no IntermedROB, empty IntermedTIN', () => {
    expect(readTokenClaims(encode(SANDBOX_2024))).toEqual({
      issuer: 'https://preprod-identity.myinvois.hasil.gov.my',
      audience: ['InvoicingAPI', 'https://preprod-identity.myinvois.hasil.gov.my/resources'],
      scopes: ['InvoicingAPI'],
      clientId: '8f0e1c52-0000-4000-8000-000000000001',
      taxpayerTin: 'C1234567890',
      isIntermediary: false,
      intermediaryTin: null,
      intermediaryRob: null,
      expiresAt: 1720003600,
    });
  });

  it('reads the 2025 production shape of an intermediary: aud a string, TaxpayerTIN, IntermedTIN and IntermedROB', () => {
    expect(readTokenClaims(encode(PRODUCTION_2025))).toMatchObject({
      audience: ['https://identity.myinvois.hasil.gov.my/resources'],
      taxpayerTin: 'C25845632020',
      isIntermediary: true,
      intermediaryTin: 'C9876543210',
      intermediaryRob: '201901234567',
    });
  });

  it('prefers TaxpayerTIN when both are there, reads a space-separated scope, and the simulator of old ("True")', () => {
    expect(readTokenClaims(encode({ TaxpayerTIN: 'C1', TaxTin: 'C2', scope: 'InvoicingAPI other', IsIntermediary: 'True' }))).toMatchObject({
      taxpayerTin: 'C1',
      scopes: ['InvoicingAPI', 'other'],
      isIntermediary: true,
    });
  });

  it('requires no claim: what is missing or of another type reads as null or empty', () => {
    expect(readTokenClaims(encode({ aud: 7, scope: { a: 1 }, IsIntermediary: 'maybe', TaxpayerTIN: 12, exp: 'soon' }))).toEqual({
      issuer: null,
      audience: [],
      scopes: [],
      clientId: null,
      taxpayerTin: null,
      isIntermediary: null,
      intermediaryTin: null,
      intermediaryRob: null,
      expiresAt: null,
    });
  });

  it('answers null for what is not a JWT', () => {
    expect(readTokenClaims('opaque-token')).toBeNull();
    expect(readTokenClaims('a.b.c')).toBeNull();
  });
});
