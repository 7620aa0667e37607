import { jsonDepthExceeds } from './json-depth';

describe('jsonDepthExceeds', () => {
  it('counts arrays and objects, not brackets inside strings or after escaped quotes', () => {
    expect(jsonDepthExceeds('{"a":[[1]]}', 3)).toBe(false);
    expect(jsonDepthExceeds('{"a":[[[1]]]}', 3)).toBe(true);
    expect(jsonDepthExceeds(`{"a":"${'['.repeat(50)}"}`, 3)).toBe(false);
    expect(jsonDepthExceeds(`{"a":"\\"[[[[[["}`, 1)).toBe(false);
    expect(jsonDepthExceeds('[],[],[],[]', 1)).toBe(false);
  });
});
