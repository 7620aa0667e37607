import { accessSync, constants, statSync } from 'node:fs';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { CrossChecked, ToInteger, validateEnvironment } from './environment-validation';

/** How the broker reaches a PKCS#11 token: the module, the token, the user PIN, time limits. */
export interface Pkcs11DeviceConfig {
  readonly module: string;
  readonly tokenLabel: string;
  /** Exactly one of the two: the PIN itself, or a file holding it (read at every opening of the token). */
  readonly pin?: string;
  readonly pinFile?: string;
  readonly timeoutMs: number;
  readonly sessions: number;
}

/**
 * The PKCS#11 device variables. The broker reads them with VAULT_KEY_RING=pkcs11 (AppEnvironment
 * extends this class); `npm run vault:create-key` reads only these, so it runs before any key
 * version is configured.
 */
export class Pkcs11Environment implements CrossChecked {
  /** Path of the vendor's PKCS#11 library (SoftHSM2: /usr/lib/softhsm/libsofthsm2.so). */
  @MinLength(1)
  @IsString()
  @IsOptional()
  VAULT_PKCS11_MODULE?: string;

  /** The token's label (the slot is found by it; slot numbers change between restarts). */
  @MaxLength(32, { message: 'VAULT_PKCS11_TOKEN_LABEL must be at most 32 characters (the PKCS#11 token label length)' })
  @IsString()
  @IsOptional()
  VAULT_PKCS11_TOKEN_LABEL?: string;

  @IsString()
  @IsOptional()
  VAULT_PKCS11_PIN?: string;

  @IsString()
  @IsOptional()
  VAULT_PKCS11_PIN_FILE?: string;

  /** How long one call to the device may take before it counts as failed (the device host is then restarted). */
  @Max(60_000)
  @Min(100)
  @IsInt()
  @ToInteger()
  VAULT_PKCS11_TIMEOUT_MS = 3000;

  /** Sessions kept open with the token, so that as many operations run at once. */
  @Max(64)
  @Min(1)
  @IsInt()
  @ToInteger()
  VAULT_PKCS11_SESSIONS = 4;

  crossCheck(invalid: ReadonlySet<string>): string[] {
    return this.pkcs11DeviceProblems(invalid);
  }

  protected pkcs11DeviceProblems(invalid: ReadonlySet<string>): string[] {
    const problems: string[] = [];
    const needed = 'the PKCS#11 key ring needs it';
    if (this.VAULT_PKCS11_MODULE === undefined) {
      if (!invalid.has('VAULT_PKCS11_MODULE'))
        problems.push(`VAULT_PKCS11_MODULE is not set: ${needed} (the path of the PKCS#11 library, e.g. /usr/lib/softhsm/libsofthsm2.so)`);
    } else if (!isFile(this.VAULT_PKCS11_MODULE)) {
      problems.push(`VAULT_PKCS11_MODULE is ${JSON.stringify(this.VAULT_PKCS11_MODULE)}: no such file`);
    }
    if (this.VAULT_PKCS11_TOKEN_LABEL === undefined && !invalid.has('VAULT_PKCS11_TOKEN_LABEL')) {
      problems.push(`VAULT_PKCS11_TOKEN_LABEL is not set: ${needed} (the label of the token that holds the master keys)`);
    }
    if (this.VAULT_PKCS11_PIN !== undefined && this.VAULT_PKCS11_PIN_FILE !== undefined) {
      problems.push('VAULT_PKCS11_PIN and VAULT_PKCS11_PIN_FILE are both set: give the user PIN one way');
    } else if (this.VAULT_PKCS11_PIN === undefined && this.VAULT_PKCS11_PIN_FILE === undefined) {
      problems.push(`VAULT_PKCS11_PIN_FILE is not set: ${needed} (a file holding the token's user PIN; or VAULT_PKCS11_PIN)`);
    } else if (this.VAULT_PKCS11_PIN_FILE !== undefined && !isReadableFile(this.VAULT_PKCS11_PIN_FILE)) {
      problems.push(`VAULT_PKCS11_PIN_FILE is ${JSON.stringify(this.VAULT_PKCS11_PIN_FILE)}: not a readable file`);
    }
    return problems;
  }

  toPkcs11DeviceConfig(): Pkcs11DeviceConfig {
    return {
      module: this.VAULT_PKCS11_MODULE!,
      tokenLabel: this.VAULT_PKCS11_TOKEN_LABEL!,
      pin: this.VAULT_PKCS11_PIN,
      pinFile: this.VAULT_PKCS11_PIN_FILE,
      timeoutMs: this.VAULT_PKCS11_TIMEOUT_MS,
      sessions: this.VAULT_PKCS11_SESSIONS,
    };
  }
}

/** For `npm run vault:create-key`: the device variables only. */
export function loadPkcs11DeviceConfig(env: Record<string, string | undefined> = process.env): Pkcs11DeviceConfig {
  return validateEnvironment(Pkcs11Environment, env).toPkcs11DeviceConfig();
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function isReadableFile(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return isFile(path);
  } catch {
    return false;
  }
}
