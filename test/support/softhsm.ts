import { ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..', '..');
export const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';
const TOOL = join(__dirname, 'softhsm-tool.js');
export const CREATE_KEY_COMMAND = join(ROOT, 'dist', 'src', 'vault', 'commands', 'create-key.command.js');

export interface KeyAttributesToImport {
  sensitive: boolean;
  extractable: boolean;
}

/**
 * A SoftHSM2 token of its own in a scratch directory (SOFTHSM2_CONF points at a configuration
 * whose token directory is fresh), found by its label like any token. Helpers act on it the way
 * an operator or a failure would: create keys with the broker's command, import a key of known
 * value, take the token away, make it hang.
 */
export class SoftHsmToken {
  readonly pin = `user-${randomBytes(6).toString('hex')}`;
  readonly pinFile: string;
  readonly conf: string;
  readonly tokenDir: string;

  private constructor(
    readonly dir: string,
    readonly label: string,
  ) {
    this.tokenDir = join(dir, 'tokens');
    this.conf = join(dir, 'softhsm2.conf');
    this.pinFile = join(dir, 'user-pin');
  }

  static async create(label = `broker-${randomBytes(3).toString('hex')}`): Promise<SoftHsmToken> {
    if (!existsSync(SOFTHSM_MODULE)) throw new Error(`${SOFTHSM_MODULE} is missing: apt-get install softhsm2 (.ci/run does)`);
    const token = new SoftHsmToken(mkdtempSync(join(tmpdir(), 'softhsm-')), label);
    writeFileSync(token.conf, `directories.tokendir = ${token.tokenDir}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
    writeFileSync(token.pinFile, `${token.pin}\n`, { mode: 0o600 });
    mkdirSync(token.tokenDir);
    await run('softhsm2-util', ['--init-token', '--free', '--label', label, '--so-pin', `so-${token.pin}`, '--pin', token.pin], { env: token.softhsmEnv() });
    return token;
  }

  softhsmEnv(): Record<string, string> {
    return { PATH: process.env.PATH ?? '', SOFTHSM2_CONF: this.conf };
  }

  /** What a broker (or a command) needs to use this token. */
  brokerEnv(keys: string, extra: Record<string, string> = {}): Record<string, string> {
    return {
      SOFTHSM2_CONF: this.conf,
      VAULT_KEY_RING: 'pkcs11',
      VAULT_KEYS: '',
      VAULT_PKCS11_MODULE: SOFTHSM_MODULE,
      VAULT_PKCS11_TOKEN_LABEL: this.label,
      VAULT_PKCS11_PIN_FILE: this.pinFile,
      VAULT_PKCS11_KEYS: keys,
      ...extra,
    };
  }

  /** `npm run vault:create-key -- --label <label>`, as an operator runs it. */
  async createKey(label: string): Promise<Record<string, unknown>> {
    const { stdout } = await run(process.execPath, [CREATE_KEY_COMMAND, '--label', label], {
      env: { ...this.softhsmEnv(), VAULT_PKCS11_MODULE: SOFTHSM_MODULE, VAULT_PKCS11_TOKEN_LABEL: this.label, VAULT_PKCS11_PIN_FILE: this.pinFile },
    });
    return JSON.parse(stdout).created;
  }

  /** An AES-256 key of known value put into the token (as a key ceremony might), with the given attributes. */
  importKey(label: string, value: Buffer, attributes: KeyAttributesToImport): void {
    this.tool({ op: 'import', label, value: value.toString('base64'), ...attributes });
  }

  /** What the token answers when asked for a key's value (CKA_VALUE) and to wrap it out under another key. */
  tryToTakeOut(label: string): { readValue: string; wrapOut: string } {
    return this.tool({ op: 'take-out', label }) as { readValue: string; wrapOut: string };
  }

  /** The token's files are gone (a removed token, a device that lost its storage). */
  takeAway(): () => void {
    renameSync(this.tokenDir, `${this.tokenDir}.away`);
    return () => renameSync(`${this.tokenDir}.away`, this.tokenDir);
  }

  /**
   * The device stops answering: another process holds POSIX locks on the token's files, on which
   * SoftHSM2 waits inside its calls. Resolves once the locks are held; call the result to release them.
   */
  async hang(): Promise<() => Promise<void>> {
    const files = readdirSync(this.tokenDir).flatMap((slot) => readdirSync(join(this.tokenDir, slot)).map((file) => join(this.tokenDir, slot, file)));
    const locker: ChildProcess = spawn(
      'python3',
      [
        '-c',
        'import fcntl, sys\nheld = [open(f, "r+b") for f in sys.argv[1:]]\nfor h in held: fcntl.lockf(h, fcntl.LOCK_EX)\nprint("locked", flush=True)\nsys.stdin.read()',
        ...files,
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolveLocked, reject) => {
      locker.once('error', reject);
      locker.stdout!.once('data', () => resolveLocked());
    });
    return async () => {
      const exited = new Promise((resolveExit) => locker.once('exit', resolveExit));
      locker.stdin!.end();
      await exited;
    };
  }

  destroy(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** In a process of its own: SoftHSM2 reads SOFTHSM2_CONF from the real environment, which a Jest test cannot set. */
  private tool(request: Record<string, unknown>): unknown {
    const answer = execFileSync(process.execPath, [TOOL, JSON.stringify({ ...request, module: SOFTHSM_MODULE, token: this.label, pin: this.pin })], {
      env: this.softhsmEnv(),
    });
    return JSON.parse(answer.toString('utf8'));
  }
}
