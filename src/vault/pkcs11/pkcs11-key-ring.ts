import { createHash, randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { Pkcs11DeviceConfig } from '../../config/pkcs11-environment';
import { IntegrityError } from '../envelope';
import { KeyRing, KeyRingAvailability, KeyRingUnavailable } from '../key-ring';
import { DeviceHostProcess } from './device-host-process';
import { asBuffer, DeviceFailure, DeviceRequest, OpenResult } from './device-protocol';
import { judgeMasterKey } from './key-attributes';
import { openDevice, openingProblem } from './pkcs11-device';

export interface Pkcs11KeyRingSettings extends Pkcs11DeviceConfig {
  /** Key label in the token, by version. */
  readonly keyLabels: ReadonlyMap<string, string>;
}

export interface Pkcs11RingObserver {
  calls(counts: Record<string, number>): void;
  availability(available: boolean): void;
}

/** Wrapped layout: `[format 0x02][iv 12][wrapped data key 32][tag 16]`. */
const FORMAT = 0x02;
const IV_BYTES = 12;
const DATA_KEY_BYTES = 32;
const TAG_BYTES = 16;
const CHECK_CONSTANT = Buffer.from('myinvois-broker vault key check v1', 'utf8');
/** While idle, the device is asked this often whether it still answers, with its key. */
const HEARTBEAT_MS = 15_000;
const REOPEN_FIRST_MS = 500;
const REOPEN_MAX_MS = 15_000;
/** Retry-After while a refused PIN keeps the ring from reconnecting by itself. */
const NOT_RETRYING_SECONDS = 300;

/**
 * Master keys inside a PKCS#11 token: data keys are wrapped with AES-256-GCM in the device (a
 * fresh 96-bit IV each time; the key version and the record as associated data), and the key's
 * check value is an AES-CMAC computed there. Every call goes to the device host process with a
 * deadline; a failure or a passed deadline ends that process, the ring is unavailable (calls fail
 * at once, with the time of the next attempt), and it reconnects with back-off, checking that the
 * token still holds the same keys.
 */
export class Pkcs11KeyRing implements KeyRing {
  readonly kind = 'pkcs11' as const;
  private readonly logger = new Logger('Vault');
  private host: DeviceHostProcess | undefined;
  private state: KeyRingAvailability = { available: false, since: new Date(), reason: 'not opened yet' };
  private readonly checkValues = new Map<string, string>();
  private reopenDelayMs = 0;
  private reopenAt = 0;
  private reopenTimer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private retrying = true;
  private closed = false;

  private constructor(
    private readonly settings: Pkcs11KeyRingSettings,
    private readonly observer: Pkcs11RingObserver,
  ) {}

  /** Refuses to start (with a message saying why) unless every key is there, sensitive and not extractable. */
  static async open(settings: Pkcs11KeyRingSettings, observer: Pkcs11RingObserver): Promise<Pkcs11KeyRing> {
    const ring = new Pkcs11KeyRing(settings, observer);
    try {
      await ring.connect();
    } catch (error) {
      throw new Error(`the PKCS#11 key ring cannot start: ${openingProblem(settings, error)}`);
    }
    ring.heartbeat = setInterval(() => void ring.beat(), HEARTBEAT_MS);
    ring.heartbeat.unref();
    return ring;
  }

  versions(): string[] {
    return [...this.settings.keyLabels.keys()];
  }

  describe(version: string): string {
    return `VAULT_PKCS11_KEYS version ${version} (key ${this.settings.keyLabels.get(version)} in token ${this.settings.tokenLabel})`;
  }

  async wrap(version: string, dataKey: Buffer, context: string): Promise<Buffer> {
    const iv = randomBytes(IV_BYTES);
    const sealed = await this.call<Uint8Array>({ op: 'encrypt', label: this.label(version), iv, aad: aadOf(version, context), plaintext: dataKey });
    return Buffer.concat([Buffer.from([FORMAT]), iv, asBuffer(sealed)]);
  }

  async unwrap(version: string, wrapped: Buffer, context: string): Promise<Buffer> {
    if (wrapped.length !== 1 + IV_BYTES + DATA_KEY_BYTES + TAG_BYTES || wrapped[0] !== FORMAT) throw new IntegrityError('the wrapped data key is malformed');
    try {
      const dataKey = await this.call<Uint8Array>({
        op: 'decrypt',
        label: this.label(version),
        iv: wrapped.subarray(1, 1 + IV_BYTES),
        aad: aadOf(version, context),
        ciphertext: wrapped.subarray(1 + IV_BYTES),
      });
      return asBuffer(dataKey);
    } catch (error) {
      if (error instanceof DeviceFailure && error.kind === 'integrity') throw new IntegrityError();
      throw error;
    }
  }

  /** Computed in the device when the token is opened: SHA-256 of the key's AES-CMAC of a constant. */
  async checkValue(version: string): Promise<string> {
    const value = this.checkValues.get(version);
    if (!value) throw new Error(`master key ${version} is not in the key ring`);
    return value;
  }

  availability(): KeyRingAvailability {
    if (this.state.available) return this.state;
    return { ...this.state, retryAfterSeconds: this.retryAfterSeconds() };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.heartbeat);
    clearTimeout(this.reopenTimer);
    await this.host?.close(this.settings.timeoutMs);
    this.host = undefined;
  }

  private async call<T>(request: DeviceRequest): Promise<T> {
    const host = this.host;
    if (!host?.alive) throw this.unavailable();
    try {
      return await host.call<T>(request, this.settings.timeoutMs);
    } catch (error) {
      if (!(error instanceof DeviceFailure)) throw error;
      if (error.kind === 'integrity') throw error;
      // The device failed, or the host is stuck in it: only a new host is sure to be sound.
      host.end(error);
      throw this.unavailable();
    }
  }

  /** Opens the token in a new host; the ring is available once every key has passed. */
  private async connect(): Promise<void> {
    let opening: DeviceHostProcess | undefined;
    const { host, opened } = await openDevice(this.settings, [...this.settings.keyLabels.values()], {
      calls: (counts) => this.observer.calls(counts),
      lost: (failure) => {
        if (opening && opening === this.host) this.lost(failure);
      },
    });
    opening = host;
    try {
      this.judgeKeys(opened);
      for (const [version, label] of this.settings.keyLabels) {
        const mac = asBuffer(await host.call<Uint8Array>({ op: 'mac', label, data: CHECK_CONSTANT }, this.settings.timeoutMs));
        const checkValue = createHash('sha256').update(mac).digest('hex');
        const known = this.checkValues.get(version);
        if (known !== undefined && known !== checkValue)
          throw new DeviceFailure('setup', `${this.describe(version)} is not the key it was when the broker started`);
        this.checkValues.set(version, checkValue);
      }
    } catch (error) {
      host.end(error instanceof DeviceFailure ? error : new DeviceFailure('unavailable', String(error)));
      throw error;
    }
    this.host = host;
    this.reopenDelayMs = 0;
    this.state = { available: true, since: new Date() };
    this.observer.availability(true);
    const { token } = opened;
    this.logger.log(
      { token: token.label, manufacturer: token.manufacturer, model: token.model, serialNumber: token.serialNumber, versions: this.versions() },
      'PKCS#11 token opened',
    );
  }

  private judgeKeys(opened: OpenResult): void {
    const refusals: string[] = [];
    for (const found of opened.keys) {
      const verdict = judgeMasterKey(found, this.settings.tokenLabel);
      refusals.push(...verdict.refusals);
      for (const warning of verdict.warnings) this.logger.warn({ label: found.label, token: this.settings.tokenLabel }, warning);
    }
    if (refusals.length > 0) throw new DeviceFailure('setup', refusals.join('; '));
  }

  private lost(failure: DeviceFailure): void {
    this.host = undefined;
    if (this.closed) return;
    this.markUnavailable(failure.message);
    this.logger.error({ reason: failure.message }, 'the PKCS#11 key ring is unavailable: logins that need a data key fail with 503 until it reconnects');
    this.scheduleReopen();
  }

  private scheduleReopen(): void {
    if (this.closed || this.reopenTimer || !this.retrying) return;
    this.reopenDelayMs = this.reopenDelayMs === 0 ? REOPEN_FIRST_MS : Math.min(this.reopenDelayMs * 2, REOPEN_MAX_MS);
    this.reopenAt = Date.now() + this.reopenDelayMs;
    this.reopenTimer = setTimeout(() => void this.reopen(), this.reopenDelayMs);
    this.reopenTimer.unref();
  }

  private async reopen(): Promise<void> {
    this.reopenTimer = undefined;
    if (this.closed) return;
    try {
      await this.connect();
      this.logger.log('the PKCS#11 key ring is available again');
    } catch (error) {
      const reason = openingProblem(this.settings, error);
      if (error instanceof DeviceFailure && error.kind === 'pin') {
        // Tokens lock the user PIN after a few wrong ones: a person has to look.
        this.retrying = false;
        this.logger.error({ reason }, 'the PKCS#11 token refused the user PIN: not reconnecting by itself; fix the PIN and restart');
      }
      this.markUnavailable(reason);
      this.scheduleReopen();
    }
  }

  private async beat(): Promise<void> {
    const [version, label] = [...this.settings.keyLabels][0];
    if (!this.host?.alive) return;
    try {
      const mac = asBuffer(await this.call<Uint8Array>({ op: 'mac', label, data: CHECK_CONSTANT }));
      if (createHash('sha256').update(mac).digest('hex') !== this.checkValues.get(version)) {
        this.host?.end(new DeviceFailure('setup', `${this.describe(version)} is not the key it was when the broker started`));
      }
    } catch {
      // call() has ended the host; the reconnection is under way.
    }
  }

  private markUnavailable(reason: string): void {
    if (this.state.available) this.observer.availability(false);
    this.state = { available: false, since: this.state.available ? new Date() : this.state.since, reason };
  }

  private unavailable(): KeyRingUnavailable {
    return new KeyRingUnavailable(`PKCS#11 token ${this.settings.tokenLabel}: ${this.state.reason ?? 'unavailable'}`, this.retryAfterSeconds());
  }

  private retryAfterSeconds(): number {
    if (!this.retrying) return NOT_RETRYING_SECONDS;
    return Math.max(1, Math.ceil((this.reopenAt - Date.now()) / 1000));
  }

  private label(version: string): string {
    const label = this.settings.keyLabels.get(version);
    if (!label) throw new Error(`master key ${version} is not in the key ring`);
    return label;
  }
}

/** The version and the record the data key belongs to, bound into its wrapping. */
function aadOf(version: string, context: string): Buffer {
  return Buffer.from(`myinvois-broker data key;version=${version};${context}`, 'utf8');
}
