/**
 * Typed errors of the bridge client. Each one is a definite answer (bad input, wrong state, not found) that
 * retrying will not change, unlike a network hiccup; waitFor relies on that difference to decide whether to
 * keep polling.
 */

export class BridgeClientError extends Error {
  override readonly name: string = "BridgeClientError";
}

/** An amount that is not a positive number in the token's units. */
export class InvalidAmountError extends BridgeClientError {
  override readonly name = "InvalidAmountError";
}

/** A token, address, key or reference given by the user that cannot be used. */
export class InvalidInputError extends BridgeClientError {
  override readonly name = "InvalidInputError";
}

/** A token name that matches no bridged token, or more than one. */
export class UnknownTokenError extends BridgeClientError {
  override readonly name = "UnknownTokenError";
}

export class InsufficientBalanceError extends BridgeClientError {
  override readonly name = "InsufficientBalanceError";
}

/** No deposit, withdrawal or bridge transaction matches what was asked for. */
export class NotFoundError extends BridgeClientError {
  override readonly name = "NotFoundError";
}

/** The withdrawal's checkpoint is not certified by the validators yet, so no proof exists. */
export class NotCheckpointedError extends BridgeClientError {
  override readonly name = "NotCheckpointedError";
}

/** The withdrawal's checkpoint is certified on the sidechain but not yet accepted by the L1 CheckpointManager. */
export class CheckpointNotOnL1Error extends BridgeClientError {
  override readonly name = "CheckpointNotOnL1Error";
  constructor(
    readonly checkpointNumber: number,
    readonly l1LastCheckpoint: number,
  ) {
    super(`checkpoint ${checkpointNumber} is not on L1 yet (L1 has checkpoints up to ${l1LastCheckpoint})`);
  }
}

export class AlreadyExitedError extends BridgeClientError {
  override readonly name = "AlreadyExitedError";
  constructor(
    readonly id: bigint,
    /** Unix seconds when a queued exit can be released; null when it was paid. */
    readonly releaseAt: bigint | null,
  ) {
    super(
      releaseAt === null
        ? `withdrawal ${id} has already exited (paid on L1)`
        : `withdrawal ${id} has already exited: it is queued on L1 until ${new Date(Number(releaseAt) * 1000).toISOString()}`,
    );
  }
}

/** A transaction was rejected before sending, reverted, or its receipt lacks the event it must emit. */
export class TransactionFailedError extends BridgeClientError {
  override readonly name = "TransactionFailedError";
}

/** The nodes disagree with each other or with L1 in a way that makes acting unsafe. */
export class InconsistentStateError extends BridgeClientError {
  override readonly name = "InconsistentStateError";
}

export class WaitTimeoutError<T = unknown> extends BridgeClientError {
  override readonly name = "WaitTimeoutError";
  constructor(
    message: string,
    /** The last value seen before the deadline, if any poll succeeded. */
    readonly last: T | undefined,
  ) {
    super(message);
  }
}
