import { isPlaceholderCredential } from './placeholder-credentials';

describe('isPlaceholderCredential', () => {
  it.each(['', '  ', '0', 'YOUR_CLIENT_ID', 'your_client_secret', 'Your_Client_Id', 'null', 'NULL', 'undefined', ' Undefined '])('blocks %j', (value) =>
    expect(isPlaceholderCredential(value)).toBe(true),
  );

  it.each(['3f0a9c2e-6d7b-4a51-9b7e-2c1d0e8f4a61', '00', 'nullable', 'YOUR_CLIENT_ID_2', 'secret-0'])('lets %j through', (value) =>
    expect(isPlaceholderCredential(value)).toBe(false),
  );
});
