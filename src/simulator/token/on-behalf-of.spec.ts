import { isAuthorisedFor, normaliseOnBehalfOf, parseOnBehalfOf } from './on-behalf-of';

describe('onbehalfof', () => {
  it.each([
    ['C25845632020', { tin: 'C25845632020', value: 'C25845632020' }],
    ['IG12345678912:201901234567', { tin: 'IG12345678912', brn: '201901234567', value: 'IG12345678912:201901234567' }],
  ])('reads %s', (value, expected) => {
    expect(parseOnBehalfOf(value)).toEqual({ ok: true, onBehalfOf: expected });
  });

  it.each([
    ['', /empty/],
    ['C25845632021', /ends in 0/],
    ['c25845632020', /not normalised/],
    ['C025845632020', /not normalised/],
    ['C25845632020:', /12 digits/],
    ['C25845632020:2019', /12 digits/],
    ['C25845632020:201901234567:1', /TIN or TIN:BRN/],
    ['EI00000000010', /placeholder/],
    [':201901234567', /empty/],
  ])('refuses %j', (value, problem) => {
    const parsed = parseOnBehalfOf(value);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem).toMatch(problem);
  });

  const parse = (value: string) => {
    const parsed = parseOnBehalfOf(value);
    if (!parsed.ok) throw new Error(parsed.problem);
    return parsed.onBehalfOf;
  };

  it('lets a plain TIN entry cover the TIN with or without a BRN', () => {
    expect(isAuthorisedFor(['C25845632020'], parse('C25845632020'))).toBe(true);
    expect(isAuthorisedFor(['C25845632020'], parse('C25845632020:201901234567'))).toBe(true);
  });

  it('lets a TIN:BRN entry cover exactly that pair', () => {
    expect(isAuthorisedFor(['C25845632020:201901234567'], parse('C25845632020:201901234567'))).toBe(true);
    expect(isAuthorisedFor(['C25845632020:201901234567'], parse('C25845632020'))).toBe(false);
    expect(isAuthorisedFor(['C25845632020:201901234567'], parse('C25845632020:201901234568'))).toBe(false);
  });

  it('refuses a taxpayer that is not in the list', () => {
    expect(isAuthorisedFor(['C25845632020'], parse('C1234567890'))).toBe(false);
    expect(isAuthorisedFor([], parse('C1234567890'))).toBe(false);
  });

  it('normalises registered entries but leaves their shape for the parser to judge', () => {
    expect(normaliseOnBehalfOf(' c0025845632020 : 2019-0123-4567')).toBe('C25845632020:201901234567');
    expect(normaliseOnBehalfOf('ig123')).toBe('IG123');
    expect(normaliseOnBehalfOf('C10:1:2')).toBe('C10:1:2');
  });
});
