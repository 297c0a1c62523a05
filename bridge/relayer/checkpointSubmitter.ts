import type { Logger } from "pino";
import type { CheckpointDomainParams } from "../../node/types/index.ts";
import { buildCheckpointSubmission, changesValidatorSet } from "./checkpointCalldata.ts";
import { L1RevertError, RelayerDataError } from "./errors.ts";
import type { L1Side } from "./l1.ts";
import type { RelayerMetrics } from "./metrics.ts";
import type { SidechainSide } from "./sidechain.ts";

export interface CheckpointSubmitterOptions {
  /** Where checkpoints are verified; signatures are checked locally against it before paying for gas. */
  domain: CheckpointDomainParams;
}

export interface CheckpointSubmitterModules {
  l1: Pick<L1Side, "lastCheckpointNumber" | "submitCheckpoint">;
  sidechain: Pick<SidechainSide, "checkpoint" | "validators">;
  metrics: RelayerMetrics;
  logger: Logger;
}

/**
 * Sidechain -> L1: submits certified checkpoints `L1 lastCheckpointNumber + 1 .. sidechain latest`, strictly in
 * order and one at a time (each awaits its receipt before the next is built). L1's counter is the only progress
 * record, so a restart, or another relayer getting there first, simply moves the starting point.
 */
export class CheckpointSubmitter {
  readonly name = "checkpoints";

  constructor(
    private readonly opts: CheckpointSubmitterOptions,
    private readonly modules: CheckpointSubmitterModules,
  ) {}

  async run(signal: AbortSignal): Promise<void> {
    const { l1, sidechain, metrics, logger } = this.modules;
    const latest = await sidechain.checkpoint("latest");
    let onL1 = await l1.lastCheckpointNumber();
    const target = latest?.checkpoint.number ?? 0;
    metrics.pendingCheckpoints.set(Math.max(0, target - onL1));

    while (onL1 < target && !signal.aborted) {
      const number = onL1 + 1;
      const info = await sidechain.checkpoint(number);
      if (info === null) throw new RelayerDataError(`the node has no checkpoint ${number} below its latest`);
      const { startHeight } = info.checkpoint;
      const set = await sidechain.validators(startHeight);
      if (set === null) throw new RelayerDataError(`the node has no validator set for height ${startHeight}`);
      // A handover carries the new set, which L1 checks before accepting it: the set of the next height.
      let next = null;
      if (changesValidatorSet(info.checkpoint, set)) {
        const nextHeight = info.checkpoint.endHeight + 1;
        next = await sidechain.validators(nextHeight);
        if (next === null)
          throw new RelayerDataError(`the node has no validator set for height ${nextHeight}`);
      }
      const submission = buildCheckpointSubmission(info, set, this.opts.domain, next);
      try {
        const { txHash, gasUsed } = await l1.submitCheckpoint(submission);
        metrics.checkpointsSubmitted.inc();
        metrics.checkpointGas.set(Number(gasUsed));
        logger.info(
          { number, startHeight, endHeight: info.checkpoint.endHeight, txHash, gas: gasUsed.toString() },
          "checkpoint submitted",
        );
        onL1 = number;
      } catch (err) {
        if (!(err instanceof L1RevertError)) throw err;
        // Usually someone else's submission landed between our read and ours: that is progress, not an error.
        const now = await l1.lastCheckpointNumber();
        if (now < number) throw err;
        logger.info({ number, lastOnL1: now, reason: err.reason }, "checkpoint already on L1; moving on");
        onL1 = now;
      }
      metrics.pendingCheckpoints.set(Math.max(0, target - onL1));
    }
  }
}
