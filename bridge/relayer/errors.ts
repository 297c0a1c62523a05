/** Typed failures of the relayer, so a task can tell "L1 moved on without us" from "L1 is down". */

/** An L1 transaction that reverted, either in eth_estimateGas (nothing was sent) or once mined. */
export class L1RevertError extends Error {
  override readonly name = "L1RevertError";
  constructor(
    message: string,
    /** Where it failed: "estimate" costs nothing, "receipt" means a mined transaction reverted. */
    readonly stage: "estimate" | "receipt",
    /** The contract's custom error name when the revert data could be decoded (e.g. "CheckpointNumberGap"). */
    readonly reason: string | null,
  ) {
    super(message);
  }
}

/** A previous transaction of ours has not been mined yet; sending another now could race it. */
export class L1PendingError extends Error {
  override readonly name = "L1PendingError";
}

/** The sidechain served something the relayer cannot act on (e.g. a checkpoint without enough valid signatures). */
export class RelayerDataError extends Error {
  override readonly name = "RelayerDataError";
}

/** Bad flags, key or endpoints at startup: the one kind of failure that stops the relayer. */
export class RelayerConfigError extends Error {
  override readonly name = "RelayerConfigError";
}
