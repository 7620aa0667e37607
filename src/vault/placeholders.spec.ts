import { placeholderProblem } from './placeholders';

describe('placeholder credentials', () => {
  it.each([
    '',
    ' ',
    '0',
    'YOUR_CLIENT_ID',
    'your_client_secret',
    'null',
    'undefined',
    '<client-id>',
    '${CLIENT_ID}',
    'xxxx',
    '0000000',
    'your-secret-here',
    '00000000-0000-0000-0000-000000000000',
  ])('refuses %j', (value) => expect(placeholderProblem(value)).toBeDefined());

  it.each(['3fa85f64-5717-4562-b3fc-2c963f66afa6', 'a1B2c3D4e5F6g7H8', 'k9Xq-secret-0f3a91'])('accepts %j', (value) => {
    expect(placeholderProblem(value)).toBeUndefined();
  });
});
