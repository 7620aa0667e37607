/**
 * The PKCS#11 device host: a child process of the broker that alone loads the PKCS#11 module,
 * holds the sessions and runs every device call. pkcs11js calls block the thread that makes
 * them and a call into a module that hangs cannot be interrupted, so the broker gives each call
 * a deadline and, when one passes, kills this process (which ends whatever the module was doing)
 * and starts another. A software token (SoftHSM2) keeps its keys in this process's memory,
 * never in the broker's. It talks to the broker over the IPC channel only.
 */
import { asBuffer, DeviceFailure, DeviceReply, DeviceRequest } from './device-protocol';
import { CallCounter, Pkcs11Token } from './pkcs11-token';

const calls = new CallCounter();
let token: Pkcs11Token | undefined;

async function run(request: DeviceRequest): Promise<unknown> {
  if (request.op === 'open') {
    if (token) throw new DeviceFailure('setup', 'the device is already open');
    // libuv reads it at its first use of the thread pool, which runs the asynchronous device calls.
    process.env.UV_THREADPOOL_SIZE = String(request.sessions);
    const opened = Pkcs11Token.open(loadPkcs11js(), request, calls);
    token = opened.token;
    return opened.result;
  }
  if (request.op === 'close') {
    token?.close();
    token = undefined;
    return null;
  }
  if (!token) throw new DeviceFailure('setup', 'the device is not open');
  switch (request.op) {
    case 'encrypt':
      return token.encrypt(request.label, asBuffer(request.iv), asBuffer(request.aad), asBuffer(request.plaintext));
    case 'decrypt':
      return token.decrypt(request.label, asBuffer(request.iv), asBuffer(request.aad), asBuffer(request.ciphertext));
    case 'mac':
      return token.mac(request.label, asBuffer(request.data));
    case 'createKey':
      return token.createKey(request.label);
  }
}

function loadPkcs11js(): typeof import('pkcs11js') {
  try {
    // An optional dependency, loaded only when a PKCS#11 key ring is configured.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('pkcs11js') as typeof import('pkcs11js');
  } catch (error) {
    throw new DeviceFailure(
      'unsupported',
      `pkcs11js, the optional dependency that speaks PKCS#11, is not installed or its native build failed (${(error as Error).message.split('\n')[0]}). ` +
        'Install python3, make, g++ and the Node.js headers, run npm ci again (see README.md), or use VAULT_KEY_RING=local',
    );
  }
}

function reply(message: DeviceReply): void {
  process.send?.(message);
}

process.on('message', (message: { id: number; request: DeviceRequest }) => {
  void (async () => {
    try {
      const result = await run(message.request);
      reply({ id: message.id, result, calls: calls.take() });
    } catch (error) {
      const failure = error instanceof DeviceFailure ? error : new DeviceFailure('unavailable', (error as Error).message);
      reply({ id: message.id, failure: { kind: failure.kind, message: failure.message, code: failure.code }, calls: calls.take() });
    }
  })();
});

// The broker is gone (it exited or was killed): so is the reason to hold the token.
process.on('disconnect', () => {
  token?.close();
  process.exit(0);
});
