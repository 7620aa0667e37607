import { setMaxListeners } from 'node:events';
import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';

/**
 * Aborted when the application starts to close, before the HTTP server waits for requests in
 * flight: hung and delayed token requests listen to it, so that shutdown never waits on them.
 */
@Injectable()
export class ShutdownSignal implements BeforeApplicationShutdown {
  private readonly controller = new AbortController();

  constructor() {
    // Every hung or delayed request listens; Node would warn about a leak past 10 listeners.
    setMaxListeners(0, this.controller.signal);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  beforeApplicationShutdown(): void {
    this.controller.abort();
  }
}
