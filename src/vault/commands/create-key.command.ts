import { writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadPkcs11DeviceConfig } from '../../config/pkcs11-environment';
import { ConfigurationError } from '../../config/environment-validation';
import { KEY_LABEL } from '../../config/vault-keys';
import { DeviceFailure, FoundKey } from '../pkcs11/device-protocol';
import { openDevice, openingProblem } from '../pkcs11/pkcs11-device';

const USAGE = `Usage: npm run vault:create-key -- --label <key label>

Creates a new master key version in the PKCS#11 token: AES-256, generated inside the token,
sensitive and not extractable, for encryption and AES-CMAC only. Reads VAULT_PKCS11_MODULE,
VAULT_PKCS11_TOKEN_LABEL and VAULT_PKCS11_PIN_FILE (or VAULT_PKCS11_PIN) from the environment.
Then add <version>:<key label> to VAULT_PKCS11_KEYS (see "Master keys in an HSM" in README.md).

Options:
  --label <label>  the new key's label: letters, digits, ., _ or -, at most 64; not yet used in the token
  --help           this text

Exit code: 0 created, 1 not created (the reason on stderr), 2 wrong usage or configuration.
`;

function usage(problem: string): never {
  writeSync(2, `${problem}\n\n${USAGE}`);
  process.exit(2);
}

let label: string;
try {
  const { values } = parseArgs({ options: { label: { type: 'string' }, help: { type: 'boolean' } }, strict: true, allowPositionals: false });
  if (values.help) {
    writeSync(1, USAGE);
    process.exit(0);
  }
  if (values.label === undefined) usage('--label is required');
  if (!KEY_LABEL.test(values.label)) usage(`--label ${JSON.stringify(values.label)} is not a key label: letters, digits, ., _ or -, at most 64`);
  label = values.label;
} catch (error) {
  usage((error as Error).message);
}

void (async () => {
  let device;
  try {
    device = loadPkcs11DeviceConfig();
  } catch (error) {
    if (error instanceof ConfigurationError) {
      writeSync(2, `${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  let code = 1;
  const { host, opened } = await openDevice(device, [], { calls: () => undefined, lost: () => undefined }).catch((error: unknown) => {
    writeSync(2, `cannot open the PKCS#11 token: ${openingProblem(device, error)}\n`);
    process.exit(1);
  });
  try {
    const key = await host.call<FoundKey>({ op: 'createKey', label }, device.timeoutMs * 5);
    writeSync(
      1,
      `${JSON.stringify({ created: { label: key.label, token: opened.token.label, serialNumber: opened.token.serialNumber, attributes: key.attributes } })}\n`,
    );
    writeSync(2, `created ${label} in token ${opened.token.label}; add <version>:${label} to VAULT_PKCS11_KEYS to use it\n`);
    code = 0;
  } catch (error) {
    writeSync(2, `the key was not created: ${error instanceof DeviceFailure ? error.message : String(error)}\n`);
  } finally {
    await host.close(device.timeoutMs);
  }
  process.exit(code);
})();
