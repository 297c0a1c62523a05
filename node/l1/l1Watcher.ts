import { errorMessage } from "../util/errors.ts";
import type { ServiceLogger } from "../util/logger.ts";
import type { CheckpointTracker } from "./checkpointTracker.ts";

interface Gauge {
  set(value: number): void;
}

export interface L1WatcherOptions {
  pollMs: number;
}

export interface L1WatcherModules {
  tracker: Pick<CheckpointTracker, "refresh" | "lastSubmitted">;
  /** The number of the newest checkpoint this chain has certified. */
  latestCertifiedNumber(): Promise<number>;
  /** Deposit claims waiting for a block. */
  pendingClaims(): number;
  metrics: { pendingDepositClaims: Gauge; checkpointsNotOnL1: Gauge };
  logger: ServiceLogger;
}

/**
 * Reads L1 for checkpoint submissions on a timer, so RPC can answer a checkpoint's L1 status from memory and the
 * metrics show how far L1 lags behind what the validators certified.
 */
export class L1Watcher {
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly opts: L1WatcherOptions,
    private readonly modules: L1WatcherModules,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      void this.poll().catch((err: unknown) =>
        this.modules.logger.debug({ err: errorMessage(err) }, "L1 checkpoint scan failed"),
      );
    }, this.opts.pollMs);
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** One look at L1; throws when L1 or the store cannot answer (the timer logs it and tries again). */
  async poll(): Promise<void> {
    const { tracker, metrics } = this.modules;
    metrics.pendingDepositClaims.set(this.modules.pendingClaims());
    await tracker.refresh();
    const certified = await this.modules.latestCertifiedNumber();
    metrics.checkpointsNotOnL1.set(Math.max(0, certified - tracker.lastSubmitted()));
  }
}
