import { Injectable } from '@nestjs/common';

/** Set when a termination signal arrives, so readiness fails while requests drain. */
@Injectable()
export class ShutdownState {
  private since: Date | undefined;

  begin(): void {
    this.since ??= new Date();
  }

  get shuttingDown(): boolean {
    return this.since !== undefined;
  }
}
