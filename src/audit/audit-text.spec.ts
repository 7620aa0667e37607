import { auditText } from './audit-text';

describe('audit text', () => {
  it('makes lone surrogates well-formed and drops NUL, keeping valid pairs', () => {
    expect(auditText('a\ud800b')).toBe('a\ufffdb');
    expect(auditText('\udc00')).toBe('\ufffd');
    expect(auditText('x\u0000y')).toBe('xy');
    expect(auditText('emoji \u{1f600}')).toBe('emoji \u{1f600}');
    expect(JSON.stringify(auditText('\ud800'))).not.toMatch(/\\ud800/);
  });

  it('truncates by code point, never splitting a surrogate pair', () => {
    expect(auditText(`x\u0000${'é'.repeat(300)}`, 200)).toBe(`x${'é'.repeat(199)}`);
  });
});
