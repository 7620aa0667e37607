import { randomBytes } from 'node:crypto';
import type * as Pkcs11Js from 'pkcs11js';
import { DeviceFailure, FoundKey, KeyAttributes, OpenRequest, OpenResult } from './device-protocol';

type Pkcs11Library = typeof Pkcs11Js;
type Handle = Buffer;

const GCM_TAG_BITS = 128;
const CMAC_BYTES = 16;

/** Return values that mean "the token refuses this PIN": never retried automatically (tokens lock after a few). */
const PIN_REFUSALS = new Set(['CKR_PIN_INCORRECT', 'CKR_PIN_INVALID', 'CKR_PIN_LEN_RANGE', 'CKR_PIN_EXPIRED', 'CKR_PIN_LOCKED']);
/** Return values of a decryption that may mean "the ciphertext does not open" (SoftHSM2 says CKR_GENERAL_ERROR). */
const MAYBE_INTEGRITY = new Set(['CKR_ENCRYPTED_DATA_INVALID', 'CKR_ENCRYPTED_DATA_LEN_RANGE', 'CKR_AEAD_DECRYPT_FAILED', 'CKR_GENERAL_ERROR']);

/** Counts the PKCS#11 functions called, for the broker's metrics. */
export class CallCounter {
  private counts: Record<string, number> = {};

  count(name: string): void {
    this.counts[name] = (this.counts[name] ?? 0) + 1;
  }

  take(): Record<string, number> {
    const taken = this.counts;
    this.counts = {};
    return taken;
  }
}

/**
 * One PKCS#11 token, as the device host uses it: found by label, logged in once, a pool of
 * sessions (an operation holds one from its Init to its last call), master keys by label.
 * Only the device host loads it: pkcs11js calls block the thread that makes them.
 */
export class Pkcs11Token {
  private readonly free: Handle[] = [];
  private readonly waiting: Array<(session: Handle) => void> = [];
  private readonly keys = new Map<string, Handle>();

  private constructor(
    private readonly lib: Pkcs11Library,
    private readonly p11: Pkcs11Js.PKCS11,
    private readonly slot: Handle,
    private readonly calls: CallCounter,
  ) {}

  static open(lib: Pkcs11Library, request: OpenRequest, calls: CallCounter): { token: Pkcs11Token; result: OpenResult } {
    const p11 = new lib.PKCS11();
    try {
      p11.load(request.module);
    } catch (error) {
      throw new DeviceFailure('setup', `cannot load the PKCS#11 module ${request.module}: ${(error as Error).message}`);
    }
    const call = <T>(name: string, run: () => T): T => {
      calls.count(name);
      return deviceCall(name, run);
    };
    try {
      call('C_Initialize', () => p11.C_Initialize({ flags: lib.CKF_OS_LOCKING_OK }));
    } catch (error) {
      if (!(error instanceof DeviceFailure && error.code === 'CKR_CRYPTOKI_ALREADY_INITIALIZED')) throw error;
    }
    const slots = call('C_GetSlotList', () => p11.C_GetSlotList(true));
    const tokens = slots.map((slot) => ({ slot, info: call('C_GetTokenInfo', () => p11.C_GetTokenInfo(slot)) }));
    const matching = tokens.filter((token) => token.info.label.trim() === request.tokenLabel);
    if (matching.length === 0) {
      const present = tokens.map((token) => token.info.label.trim()).filter(Boolean);
      throw new DeviceFailure('unavailable', `no token labelled ${request.tokenLabel} is present (tokens present: ${present.join(', ') || 'none'})`);
    }
    if (matching.length > 1) throw new DeviceFailure('setup', `${matching.length} tokens are labelled ${request.tokenLabel}: the label must name one token`);
    const { slot, info } = matching[0];
    const token = new Pkcs11Token(lib, p11, slot, calls);
    for (let i = 0; i < request.sessions; i++) token.free.push(token.call('C_OpenSession', () => p11.C_OpenSession(slot, lib.CKF_SERIAL_SESSION)));
    try {
      token.call('C_Login', () => p11.C_Login(token.free[0], lib.CKU_USER, request.pin));
    } catch (error) {
      if (error instanceof DeviceFailure && error.code && PIN_REFUSALS.has(error.code)) {
        throw new DeviceFailure('pin', `token ${request.tokenLabel} refused the user PIN (${error.code})`, error.code);
      }
      if (!(error instanceof DeviceFailure && error.code === 'CKR_USER_ALREADY_LOGGED_IN')) throw error;
    }
    const keys = request.keyLabels.map((label) => token.findKey(label));
    return {
      token,
      result: {
        token: { label: info.label.trim(), manufacturer: info.manufacturerID.trim(), model: info.model.trim(), serialNumber: info.serialNumber.trim() },
        keys,
      },
    };
  }

  /** AES-256-GCM in the device; the tag follows the ciphertext. */
  async encrypt(label: string, iv: Buffer, aad: Buffer, plaintext: Buffer): Promise<Buffer> {
    const key = this.key(label);
    return this.withSession(async (session) => {
      this.call('C_EncryptInit', () => this.p11.C_EncryptInit(session, this.gcm(iv, aad), key));
      return this.callAsync('C_Encrypt', () => this.p11.C_EncryptAsync(session, plaintext, Buffer.alloc(plaintext.length + GCM_TAG_BITS / 8)));
    });
  }

  async decrypt(label: string, iv: Buffer, aad: Buffer, ciphertext: Buffer): Promise<Buffer> {
    const key = this.key(label);
    try {
      return await this.withSession(async (session) => {
        this.call('C_DecryptInit', () => this.p11.C_DecryptInit(session, this.gcm(iv, aad), key));
        return this.callAsync('C_Decrypt', () => this.p11.C_DecryptAsync(session, ciphertext, Buffer.alloc(ciphertext.length)));
      });
    } catch (error) {
      // A tag that does not verify has no return value of its own before PKCS#11 3.0; tell it
      // from a failing device by a round trip of random bytes under the same key.
      if (!(error instanceof DeviceFailure && error.code && MAYBE_INTEGRITY.has(error.code))) throw error;
      await this.selfTest(label);
      throw new DeviceFailure('integrity', 'the wrapped data key does not open under this master key', error.code);
    }
  }

  async mac(label: string, data: Buffer): Promise<Buffer> {
    const key = this.key(label);
    return this.withSession(async (session) => {
      this.call('C_SignInit', () => this.p11.C_SignInit(session, { mechanism: this.lib.CKM_AES_CMAC }, key));
      return this.callAsync('C_Sign', () => this.p11.C_SignAsync(session, data, Buffer.alloc(CMAC_BYTES)));
    });
  }

  /** A new AES-256 master key, generated in the token: sensitive, not extractable, for encryption and CMAC only. */
  createKey(label: string): FoundKey {
    if (this.findKey(label).count > 0) throw new DeviceFailure('setup', `the token already holds a key labelled ${label}: a new key needs a new label`);
    const lib = this.lib;
    const session = this.call('C_OpenSession', () => this.p11.C_OpenSession(this.slot, lib.CKF_SERIAL_SESSION | lib.CKF_RW_SESSION));
    try {
      this.call('C_GenerateKey', () =>
        this.p11.C_GenerateKey(session, { mechanism: lib.CKM_AES_KEY_GEN }, [
          { type: lib.CKA_CLASS, value: lib.CKO_SECRET_KEY },
          { type: lib.CKA_KEY_TYPE, value: lib.CKK_AES },
          { type: lib.CKA_VALUE_LEN, value: 32 },
          { type: lib.CKA_LABEL, value: label },
          { type: lib.CKA_ID, value: randomBytes(16) },
          { type: lib.CKA_TOKEN, value: true },
          { type: lib.CKA_PRIVATE, value: true },
          { type: lib.CKA_SENSITIVE, value: true },
          { type: lib.CKA_EXTRACTABLE, value: false },
          { type: lib.CKA_ENCRYPT, value: true },
          { type: lib.CKA_DECRYPT, value: true },
          { type: lib.CKA_SIGN, value: true },
          { type: lib.CKA_VERIFY, value: true },
          { type: lib.CKA_WRAP, value: false },
          { type: lib.CKA_UNWRAP, value: false },
          { type: lib.CKA_DERIVE, value: false },
        ]),
      );
    } finally {
      this.call('C_CloseSession', () => this.p11.C_CloseSession(session));
    }
    return this.findKey(label);
  }

  close(): void {
    // Closing every session also logs out.
    for (const [name, run] of [
      ['C_CloseAllSessions', () => this.p11.C_CloseAllSessions(this.slot)],
      ['C_Finalize', () => this.p11.C_Finalize()],
    ] as const) {
      try {
        this.call(name, run);
      } catch {
        // Closing is best effort: the process ends next, which releases everything.
      }
    }
  }

  private findKey(label: string): FoundKey {
    const lib = this.lib;
    const handles = this.withSessionSync((session) => {
      this.call('C_FindObjectsInit', () =>
        this.p11.C_FindObjectsInit(session, [
          { type: lib.CKA_CLASS, value: lib.CKO_SECRET_KEY },
          { type: lib.CKA_LABEL, value: label },
        ]),
      );
      try {
        return this.call('C_FindObjects', () => this.p11.C_FindObjects(session, 2));
      } finally {
        this.call('C_FindObjectsFinal', () => this.p11.C_FindObjectsFinal(session));
      }
    });
    if (handles.length !== 1) return { label, count: handles.length };
    this.keys.set(label, handles[0]);
    return { label, count: 1, attributes: this.attributesOf(handles[0]) };
  }

  private attributesOf(key: Handle): KeyAttributes {
    const lib = this.lib;
    const wanted = {
      keyType: lib.CKA_KEY_TYPE,
      valueLen: lib.CKA_VALUE_LEN,
      token: lib.CKA_TOKEN,
      sensitive: lib.CKA_SENSITIVE,
      extractable: lib.CKA_EXTRACTABLE,
      alwaysSensitive: lib.CKA_ALWAYS_SENSITIVE,
      neverExtractable: lib.CKA_NEVER_EXTRACTABLE,
      encrypt: lib.CKA_ENCRYPT,
      decrypt: lib.CKA_DECRYPT,
      sign: lib.CKA_SIGN,
    };
    const read = (type: number): Buffer | null => {
      try {
        const [attribute] = this.withSessionSync((session) => this.call('C_GetAttributeValue', () => this.p11.C_GetAttributeValue(session, key, [{ type }])));
        return Buffer.isBuffer(attribute.value) ? attribute.value : null;
      } catch {
        return null;
      }
    };
    const number = (value: Buffer | null) => (value && value.length > 0 ? Number(value.readUIntLE(0, Math.min(value.length, 6))) : null);
    const flag = (value: Buffer | null) => (value && value.length > 0 ? value[0] !== 0 : null);
    return {
      keyType: number(read(wanted.keyType)),
      valueLen: number(read(wanted.valueLen)),
      token: flag(read(wanted.token)),
      sensitive: flag(read(wanted.sensitive)),
      extractable: flag(read(wanted.extractable)),
      alwaysSensitive: flag(read(wanted.alwaysSensitive)),
      neverExtractable: flag(read(wanted.neverExtractable)),
      encrypt: flag(read(wanted.encrypt)),
      decrypt: flag(read(wanted.decrypt)),
      sign: flag(read(wanted.sign)),
    };
  }

  private async selfTest(label: string): Promise<void> {
    const iv = randomBytes(12);
    const aad = Buffer.from('myinvois-broker device self-test');
    const probe = randomBytes(32);
    const key = this.key(label);
    const sealed = await this.encrypt(label, iv, aad, probe);
    const opened = await this.withSession(async (session) => {
      this.call('C_DecryptInit', () => this.p11.C_DecryptInit(session, this.gcm(iv, aad), key));
      return this.callAsync('C_Decrypt', () => this.p11.C_DecryptAsync(session, sealed, Buffer.alloc(sealed.length)));
    });
    if (!opened.equals(probe)) throw new DeviceFailure('unavailable', 'the device returned wrong results in its self-test');
  }

  private gcm(iv: Buffer, aad: Buffer): Pkcs11Js.Mechanism {
    // The PKCS#11 2.40 layout of CK_GCM_PARAMS (with ulIvBits), as SoftHSM2 and current modules read it.
    const parameter: Pkcs11Js.AesGCM = { type: this.lib.CK_PARAMS_AES_GCM_v240, iv, ivBits: iv.length * 8, aad, tagBits: GCM_TAG_BITS };
    return { mechanism: this.lib.CKM_AES_GCM, parameter };
  }

  private key(label: string): Handle {
    const key = this.keys.get(label);
    if (!key) throw new DeviceFailure('setup', `no key labelled ${label} was found when the token was opened`);
    return key;
  }

  private async withSession<T>(use: (session: Handle) => Promise<T>): Promise<T> {
    const session = this.free.pop() ?? (await new Promise<Handle>((resolve) => this.waiting.push(resolve)));
    try {
      return await use(session);
    } finally {
      this.release(session);
    }
  }

  private withSessionSync<T>(use: (session: Handle) => T): T {
    // Only while opening and creating keys, when no operation holds a session.
    const session = this.free[this.free.length - 1];
    return use(session);
  }

  private release(session: Handle): void {
    const next = this.waiting.shift();
    if (next) next(session);
    else this.free.push(session);
  }

  private call<T>(name: string, run: () => T): T {
    this.calls.count(name);
    return deviceCall(name, run);
  }

  private async callAsync<T>(name: string, run: () => Promise<T>): Promise<T> {
    this.calls.count(name);
    try {
      return await run();
    } catch (error) {
      throw toFailure(name, error);
    }
  }
}

function deviceCall<T>(name: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw toFailure(name, error);
  }
}

/** A pkcs11js error as a DeviceFailure naming the function and its return value. */
function toFailure(name: string, error: unknown): DeviceFailure {
  if (error instanceof DeviceFailure) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code = /^CKR_[A-Z0-9_]+/.exec(message)?.[0];
  return new DeviceFailure('unavailable', `${name} failed: ${code ?? message}`, code);
}
