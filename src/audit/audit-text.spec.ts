import { auditText, truncateText } from './audit-text';

describe('audit text', () => {
  it('makes lone surrogates well-formed and drops NUL, keeping valid pairs', () => {
    expect(auditText('a\ud800b')).toBe('a\ufffdb');
    expect(auditText('\udc00')).toBe('\ufffd');
    expect(auditText('x\u0000y')).toBe('xy');
    expect(auditText('emoji \u{1f600}')).toBe('emoji \u{1f600}');
    expect(JSON.stringify(auditText('\ud800'))).not.toMatch(/\\ud800/);
  });

  it('truncates by code point, never splitting a surrogate pair', () => {
    const text = `${'a'.repeat(127)}\u{1f600}tail`;
    expect(text.slice(0, 128)).toBe(`${'a'.repeat(127)}\ud83d`);
    expect(truncateText(text, 128)).toBe(`${'a'.repeat(127)}\u{1f600}`);
    expect(truncateText('\u{1f600}\u{1f600}\u{1f600}', 2)).toBe('\u{1f600}\u{1f600}');
    expect(truncateText('short', 10)).toBe('short');
    expect(auditText(`x\u0000${'é'.repeat(300)}`, 200)).toBe(`x${'é'.repeat(199)}`);
  });
});
