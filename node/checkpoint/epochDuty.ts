import type { Block } from "../types/index.ts";
import { errorMessage } from "../util/errors.ts";
import type { ServiceLogger } from "../util/logger.ts";
import type { CheckpointCoordinator } from "./coordinator.ts";

export interface EpochDutyOptions {
  epochLength: number;
}

export interface EpochDutyModules {
  coordinator: Pick<CheckpointCoordinator, "included" | "onEpochEnd">;
  chain: { onCommitted(listener: (info: { block: Block }) => void): () => void };
  /** Syncing while the node replays old blocks: those epochs' checkpoints were settled without it. */
  sync: { readonly syncing: boolean };
  /**
   * Where the node stands at start: a node restarted after an epoch's end and before a block carried its checkpoint
   * takes that checkpoint up again (builds, signs, collects), since the commit that triggers it came before.
   */
  resume?: { headHeight(): number; includedNumber(): Promise<number> };
  logger: ServiceLogger;
}

/** Ties the checkpoint flow to commits: forget what a block carried, and build (and sign) at each epoch's end. */
export class EpochDuty {
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly opts: EpochDutyOptions,
    private readonly modules: EpochDutyModules,
  ) {}

  start(): void {
    this.unsubscribe = this.modules.chain.onCommitted(({ block }) => this.committed(block));
    if (this.modules.resume)
      void this.resume(this.modules.resume).catch((err: unknown) =>
        this.modules.logger.warn({ err: errorMessage(err) }, "checkpoint resume failed"),
      );
  }

  /** Takes up the last ended epoch's checkpoint unless a block already carries it. */
  async resume(resume: NonNullable<EpochDutyModules["resume"]>): Promise<void> {
    const { coordinator, sync } = this.modules;
    const included = await resume.includedNumber();
    coordinator.included(included);
    const number = Math.floor(resume.headHeight() / this.opts.epochLength);
    if (number < 1 || number <= included) return;
    await coordinator.onEpochEnd(number, !sync.syncing);
  }

  stop(): void {
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
