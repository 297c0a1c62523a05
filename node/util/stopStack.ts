import { errorMessage } from "./errors.ts";
import type { ServiceLogger } from "./logger.ts";

/**
 * Stops what was started, last first, so nothing outlives what it uses; one failing stop does not keep the rest
 * running.
 */
export class StopStack {
  private readonly stops: (() => Promise<void> | void)[] = [];

  constructor(private readonly logger: Pick<ServiceLogger, "warn">) {}

  push(stop: () => Promise<void> | void): void {
    this.stops.push(stop);
  }

  /** Starts `service` and registers its stop. */
  start<S extends { start(): void; stop(): Promise<void> | void }>(service: S): S {
    service.start();
    this.push(() => service.stop());
    return service;
  }

  async stopAll(): Promise<void> {
    for (const stop of this.stops.splice(0).reverse()) {
      try {
        await stop();
      } catch (err) {
        this.logger.warn({ err: errorMessage(err) }, "error while stopping");
      }
    }
  }
}
