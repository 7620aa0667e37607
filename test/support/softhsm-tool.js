// Acts on a SoftHSM2 token from a process of its own, because SoftHSM2 reads SOFTHSM2_CONF from
// the real environment, which a Jest test cannot set. Usage: node softhsm-tool.js <json request>;
// prints the JSON answer.
const pkcs11js = require('pkcs11js');

const request = JSON.parse(process.argv[2]);
const p = new pkcs11js.PKCS11();
p.load(request.module);
p.C_Initialize();

function findKey(session, label) {
  p.C_FindObjectsInit(session, [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
    { type: pkcs11js.CKA_LABEL, value: label },
  ]);
  const [key] = p.C_FindObjects(session, 1);
  p.C_FindObjectsFinal(session);
  if (!key) throw new Error(`no key labelled ${label}`);
  return key;
}

function attempt(take) {
  try {
    take();
    return 'allowed';
  } catch (error) {
    return error.message;
  }
}

try {
  const slot = p.C_GetSlotList(true).find((candidate) => p.C_GetTokenInfo(candidate).label.trim() === request.token);
  if (!slot) throw new Error(`no token labelled ${request.token}`);
  const session = p.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
  p.C_Login(session, pkcs11js.CKU_USER, request.pin);
  let answer;
  if (request.op === 'import') {
    p.C_CreateObject(session, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
      { type: pkcs11js.CKA_VALUE, value: Buffer.from(request.value, 'base64') },
      { type: pkcs11js.CKA_LABEL, value: request.label },
      { type: pkcs11js.CKA_TOKEN, value: true },
      { type: pkcs11js.CKA_PRIVATE, value: true },
      { type: pkcs11js.CKA_SENSITIVE, value: request.sensitive },
      { type: pkcs11js.CKA_EXTRACTABLE, value: request.extractable },
      { type: pkcs11js.CKA_ENCRYPT, value: true },
      { type: pkcs11js.CKA_DECRYPT, value: true },
      { type: pkcs11js.CKA_SIGN, value: true },
      { type: pkcs11js.CKA_VERIFY, value: true },
    ]);
    answer = { imported: request.label };
  } else if (request.op === 'take-out') {
    const key = findKey(session, request.label);
    const readValue = attempt(() => p.C_GetAttributeValue(session, key, [{ type: pkcs11js.CKA_VALUE }]));
    const wrappingKey = p.C_GenerateKey(session, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, [
      { type: pkcs11js.CKA_VALUE_LEN, value: 32 },
      { type: pkcs11js.CKA_WRAP, value: true },
      { type: pkcs11js.CKA_TOKEN, value: false },
    ]);
    const wrapOut = attempt(() => p.C_WrapKey(session, { mechanism: pkcs11js.CKM_AES_KEY_WRAP_PAD }, wrappingKey, key, Buffer.alloc(128)));
    answer = { readValue, wrapOut };
  } else {
    throw new Error(`unknown op ${request.op}`);
  }
  process.stdout.write(JSON.stringify(answer));
} finally {
  p.C_Finalize();
}
