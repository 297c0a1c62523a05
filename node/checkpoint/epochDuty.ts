import type { Block } from "../types/index.ts";
import { errorMessage } from "../util/errors.ts";
import type { ServiceLogger } from "../util/logger.ts";
import type { CheckpointCoordinator } from "./coordinator.ts";

export interface EpochDutyOptions {
  epochLength: number;
  /** How often a resuming node looks whether its initial sync is done (default 250 ms). */
  resumePollMs?: number;
}

export interface EpochDutyModules {
  coordinator: Pick<CheckpointCoordinator, "included" | "onEpochEnd">;
  chain: { onCommitted(listener: (info: { block: Block }) => void): () => void };
  /** Syncing while the node replays old blocks: those epochs' checkpoints were settled without it. */
  sync: { readonly syncing: boolean };
  /**
   * Where the node stands at start: a node restarted after an epoch's end and before a block carried its checkpoint
   * takes that checkpoint up again (builds, signs, collects) once its initial sync is done, since the commit that
   * triggered it came before the restart.
   */
  resume?: { headHeight(): number; includedNumber(): Promise<number> };
  logger: ServiceLogger;
}

/** Ties the checkpoint flow to commits: forget what a block carried, and build (and sign) at each epoch's end. */
export class EpochDuty {
  private unsubscribe: (() => void) | null = null;
  private resumeTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly opts: EpochDutyOptions,
    private readonly modules: EpochDutyModules,
  ) {}

  start(): void {
    this.unsubscribe = this.modules.chain.onCommitted(({ block }) => this.committed(block));
    const resume = this.modules.resume;
    if (resume) this.resumeWhenSynced(resume);
  }

  private resumeWhenSynced(resume: NonNullable<EpochDutyModules["resume"]>): void {
    this.resumeTimer = setTimeout(() => {
      this.resumeTimer = null;
      if (this.unsubscribe === null) return;
      if (this.modules.sync.syncing) {
        this.resumeWhenSynced(resume);
        return;
      }
      void this.resume(resume).catch((err: unknown) =>
        this.modules.logger.warn({ err: errorMessage(err) }, "checkpoint resume failed"),
      );
    }, this.opts.resumePollMs ?? 250);
    this.resumeTimer.unref?.();
  }

  /** Takes up (and signs) the last ended epoch's checkpoint unless a block already carries it. */
  async resume(resume: NonNullable<EpochDutyModules["resume"]>): Promise<void> {
    const { coordinator, sync } = this.modules;
    const included = await resume.includedNumber();
    coordinator.included(included);
    const number = Math.floor(resume.headHeight() / this.opts.epochLength);
    if (number < 1 || number <= included) return;
    await coordinator.onEpochEnd(number, !sync.syncing);
    this.modules.logger.info({ number }, "resumed the checkpoint of the last epoch");
  }

  stop(): void {
    if (this.resumeTimer !== null) clearTimeout(this.resumeTimer);
    this.resumeTimer = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  committed(block: Block): void {
    const { coordinator, logger } = this.modules;
    const height = block.header.height;
    const last = block.checkpoints.at(-1);
    if (last) coordinator.included(last.checkpoint.number);
    if (height % this.opts.epochLength !== 0) return;
    void coordinator
      .onEpochEnd(height / this.opts.epochLength, !this.modules.sync.syncing)
      .catch((err: unknown) => logger.warn({ err: errorMessage(err) }, "checkpoint signing failed"));
  }
}
