import { isIsoTimestamp, isPlainText, isUuid, truncate } from './formats';

describe('formats', () => {
  it.each([
    ['a NUL', 'a\u0000b'],
    ['a bell', 'a\u0007'],
    ['a newline', 'a\nb'],
    ['DEL', 'a\u007f'],
    ['a C1 control', 'a\u0085'],
    ['a lone high surrogate', 'a\ud800'],
    ['a lone low surrogate', '\udc00a'],
    ['two high surrogates', '\ud800\ud800'],
  ])('refuses %s as plain text', (_case, value) => {
    expect(isPlainText(value)).toBe(false);
  });

  it('accepts printable text in any script, including characters outside the BMP', () => {
    expect(isPlainText('Syarikat Contoh Sdn Bhd — 株式会社 😀 é')).toBe(true);
  });

  it('truncates by code point, never cutting a surrogate pair', () => {
    const text = `${'a'.repeat(127)}\u{1f600}tail`;
    expect(text.slice(0, 128)).toBe(`${'a'.repeat(127)}\ud83d`);
    expect(truncate(text, 128)).toBe(`${'a'.repeat(127)}\u{1f600}`);
    expect(truncate('\u{1f600}\u{1f600}\u{1f600}', 2)).toBe('\u{1f600}\u{1f600}');
    expect(truncate('abcdef', 3)).toBe('abc');
    expect(truncate('short', 10)).toBe('short');
  });

  it.each([
    ['5d0c8f3e-1111-4222-8333-444455556666', true],
    ['5D0C8F3E-1111-4222-8333-444455556666', true],
    ['00000000-0000-0000-0000-000000000000', true],
    ['------------------------------------', false],
    ['5d0c8f3e11114222833344445555666600000', false],
    ['5d0c8f3e-1111-4222-8333-44445555666g', false],
    [' 5d0c8f3e-1111-4222-8333-444455556666', false],
    [42, false],
  ])('isUuid(%j) is %s', (value, expected) => {
    expect(isUuid(value)).toBe(expected);
  });

  it.each([
    ['2024-02-29T10:11:12.345Z', true],
    ['0001-01-01T00:00:00.000Z', true],
    ['1', false],
    ['2024-01-01', false],
    ['2024-02-30T00:00:00.000Z', false],
    ['2024-01-01T00:00:00Z', false],
    ['0000-01-01T00:00:00.000Z', false],
    ['+010000-01-01T00:00:00.000Z', false],
    ['2024-01-01T00:00:00.000+08:00', false],
    [1704067200000, false],
  ])('isIsoTimestamp(%j) is %s', (value, expected) => {
    expect(isIsoTimestamp(value)).toBe(expected);
  });
});
