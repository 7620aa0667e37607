import { readFile } from 'node:fs/promises';
import type { Pkcs11DeviceConfig } from '../../config/pkcs11-environment';
import { DeviceHostObserver, DeviceHostProcess } from './device-host-process';
import { DeviceFailure, OpenResult } from './device-protocol';

/** Opening a token (starting the host, loading the module, logging in, finding keys) may take this many call deadlines. */
const OPEN_DEADLINES = 5;
const OPEN_TIMEOUT_MIN_MS = 10_000;

export function openTimeoutMs(device: Pkcs11DeviceConfig): number {
  return Math.max(OPEN_DEADLINES * device.timeoutMs, OPEN_TIMEOUT_MIN_MS);
}

/** A device host with the token open and logged in, and what it found for `keyLabels`. Ends the host if opening fails. */
export async function openDevice(
  device: Pkcs11DeviceConfig,
  keyLabels: string[],
  observer: DeviceHostObserver,
): Promise<{ host: DeviceHostProcess; opened: OpenResult }> {
  const pin = await readPin(device);
  const host = DeviceHostProcess.spawn(observer);
  try {
    const opened = await host.call<OpenResult>(
      { op: 'open', module: device.module, tokenLabel: device.tokenLabel, pin, sessions: device.sessions, keyLabels },
      openTimeoutMs(device),
    );
    return { host, opened };
  } catch (error) {
    host.end(error instanceof DeviceFailure ? error : new DeviceFailure('unavailable', String(error)));
    throw error;
  }
}

/** The PIN file is read at every opening, so that a PIN changed in the file is used at the next reconnection. */
async function readPin(device: Pkcs11DeviceConfig): Promise<string> {
  if (device.pin !== undefined) return device.pin;
  try {
    const pin = (await readFile(device.pinFile!, 'utf8')).replace(/\r?\n$/, '');
    if (pin === '') throw new Error('the file is empty');
    return pin;
  } catch (error) {
    throw new DeviceFailure('setup', `cannot read the user PIN from VAULT_PKCS11_PIN_FILE (${(error as Error).message})`);
  }
}

/** A failure to open, as a start-up message that says what to do. */
export function openingProblem(device: Pkcs11DeviceConfig, error: unknown): string {
  if (!(error instanceof DeviceFailure)) return error instanceof Error ? error.message : String(error);
  if (error.kind === 'pin') {
    return `${error.message}: check ${device.pinFile !== undefined ? 'VAULT_PKCS11_PIN_FILE' : 'VAULT_PKCS11_PIN'} (tokens count wrong PINs and lock after a few)`;
  }
  return error.message;
}
