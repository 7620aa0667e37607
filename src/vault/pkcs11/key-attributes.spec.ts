import type { KeyAttributes } from './device-protocol';
import { judgeMasterKey } from './key-attributes';

const generated: KeyAttributes = {
  keyType: 0x1f,
  valueLen: 32,
  token: true,
  sensitive: true,
  extractable: false,
  alwaysSensitive: true,
  neverExtractable: true,
  encrypt: true,
  decrypt: true,
  sign: true,
};
const judge = (attributes: Partial<KeyAttributes>, count = 1) => judgeMasterKey({ label: 'kek', count, attributes: { ...generated, ...attributes } }, 'broker');

describe('judging a master key found in the token', () => {
  it('accepts a key generated in the token, sensitive and never extractable', () => {
    expect(judge({})).toEqual({ refusals: [], warnings: [] });
  });

  it.each([
    [{ extractable: true }, /is extractable \(CKA_EXTRACTABLE is not false\)/],
    [{ extractable: null }, /is extractable/],
    [{ sensitive: false }, /is not sensitive \(CKA_SENSITIVE is not true\)/],
    [{ valueLen: 16 }, /is not an AES-256 key/],
    [{ keyType: 0x15 }, /is not an AES-256 key/],
    [{ token: false }, /session object/],
    [{ sign: false, decrypt: false }, /may not decrypt, sign \(CKA_DECRYPT, CKA_SIGN\)/],
  ])('refuses %j', (attributes, message) => {
    expect(judge(attributes).refusals).toEqual([expect.stringMatching(message)]);
  });

  it('refuses a missing key and a label on two keys', () => {
    expect(judge({}, 0).refusals).toEqual(['token broker holds no secret key labelled kek']);
    expect(judge({}, 2).refusals).toEqual([expect.stringMatching(/2 secret keys labelled kek: a label must name one key/)]);
  });

  it('warns about a key that was imported or once extractable', () => {
    expect(judge({ alwaysSensitive: false, neverExtractable: false })).toEqual({
      refusals: [],
      warnings: [expect.stringMatching(/copies of its value may exist/)],
    });
  });
});
