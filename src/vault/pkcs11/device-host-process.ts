import { ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DeviceFailure, DeviceReply, DeviceRequest } from './device-protocol';

interface Pending {
  resolve(result: unknown): void;
  reject(failure: DeviceFailure): void;
  timer: NodeJS.Timeout;
}

export interface DeviceHostObserver {
  /** PKCS#11 functions the host called, by name. */
  calls(counts: Record<string, number>): void;
  /** The host is gone (killed after a deadline, a device failure, or it exited): every call under way failed with `failure`. */
  lost(failure: DeviceFailure): void;
}

/**
 * The broker's side of one device host process (see device-host.ts): requests with deadlines.
 * A deadline that passes, or a failing device, ends the process: the module may be stuck inside
 * a call, and only a new process with a fresh C_Initialize is sure to be out of it.
 */
export class DeviceHostProcess {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: DeviceFailure | undefined;

  private constructor(
    private readonly child: ChildProcess,
    private readonly observer: DeviceHostObserver,
  ) {
    child.on('message', (reply: DeviceReply) => this.settle(reply));
    child.once('exit', (code, signal) => this.end(new DeviceFailure('unavailable', `the PKCS#11 device host exited (${signal ?? `code ${code}`})`)));
    child.once('error', (error) => this.end(new DeviceFailure('unavailable', `the PKCS#11 device host failed: ${error.message}`)));
  }

  static spawn(observer: DeviceHostObserver): DeviceHostProcess {
    const script = join(__dirname, 'device-host.js');
    if (!existsSync(script)) throw new DeviceFailure('setup', `${script} is missing: build the broker (npm run build)`);
    // No stdout: the broker's log is JSON lines. stderr stays, for what a crashing module prints.
    const child = fork(script, [], { serialization: 'advanced', execArgv: [], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    return new DeviceHostProcess(child, observer);
  }

  get alive(): boolean {
    return this.failure === undefined;
  }

  call<T>(request: DeviceRequest, timeoutMs: number): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      const id = this.nextId++;
      const timer = setTimeout(() => this.end(new DeviceFailure('unavailable', `the device did not answer (${request.op}) within ${timeoutMs} ms`)), timeoutMs);
      this.pending.set(id, { resolve: resolve as (result: unknown) => void, reject, timer });
      this.child.send({ id, request }, (error) => {
        if (error) this.end(new DeviceFailure('unavailable', `could not reach the PKCS#11 device host: ${error.message}`));
      });
    });
  }

  /** Ends the process and fails every call under way with `failure`. */
  end(failure: DeviceFailure): void {
    if (this.failure) return;
    this.failure = failure;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(failure);
    }
    this.pending.clear();
    this.observer.lost(failure);
  }

  /** Closes the token (sessions, login) if it answers in time, then ends the process. */
  async close(timeoutMs: number): Promise<void> {
    if (this.failure) return;
    await this.call({ op: 'close' }, timeoutMs).catch(() => undefined);
    this.end(new DeviceFailure('unavailable', 'the key ring is closed'));
  }

  private settle(reply: DeviceReply): void {
    this.observer.calls(reply.calls);
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    clearTimeout(pending.timer);
    if (reply.failure) pending.reject(new DeviceFailure(reply.failure.kind, reply.failure.message, reply.failure.code));
    else pending.resolve(reply.result);
  }
}
