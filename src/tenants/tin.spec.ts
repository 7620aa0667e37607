import { checkTin, isBrn, normaliseBrn, normaliseTin } from './tin';

describe('TIN rules', () => {
  it.each([
    ['IG12345678912', 'IG12345678912'],
    ['  ig123456789 ', 'IG123456789'],
    ['C1234567890', 'C1234567890'],
    ['c 2584 5632 020', 'C25845632020'],
    ['CS1234567890', 'CS1234567890'],
    ['FA0012345670', 'FA12345670'],
    ['LE1234567890', 'LE1234567890'],
    ['PT12340', 'PT12340'],
    ['J123450', 'J123450'],
  ])('accepts %j as %s', (input, expected) => {
    expect(checkTin(input)).toEqual({ ok: true, tin: expected });
  });

  it.each([
    ['', /empty/],
    ['   ', /empty/],
    ['EI00000000010', /placeholder/],
    ['EI00000000040', /placeholder/],
    ['EI12345678900', /placeholder/],
    ['IG', /individual/],
    ['IG1234567890123', /individual/],
    ['IGABC', /individual/],
    ['C1234567891', /ends in 0/],
    ['X1234567890', /prefix/],
    ['12345678900', /prefix/],
    ['C0', /2 to 13 digits/],
    ['C12345678901230', /2 to 13 digits/],
    ['C-1234567890', /prefix/],
  ])('refuses %j', (input, problem) => {
    const result = checkTin(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem).toMatch(problem);
  });

  it('drops leading zeros after a non-individual prefix only', () => {
    expect(normaliseTin('C00123450')).toBe('C123450');
    expect(normaliseTin('IG0012345')).toBe('IG0012345');
  });

  it('reads BRNs as 12 digits with spaces and dashes ignored', () => {
    expect(normaliseBrn(' 2019-0123 4567 ')).toBe('201901234567');
    expect(isBrn('201901234567')).toBe(true);
    expect(isBrn('20190123456')).toBe(false);
    expect(isBrn('20190123456X')).toBe(false);
  });
});
