/** The user-side bridge client: `createBridgeClient` for whole flows, the pure parts for tools and tests. */

export { KeyFileError, parsePrivateKey, readKeyFile } from "../keyFile.ts";
export { checkAmountSyntax, formatAmount, parseAmount } from "./amounts.ts";
export { type BridgeClient, type BridgeClientOptions, createBridgeClient } from "./client.ts";
export type { DepositRequest, DepositResult } from "./deposit.ts";
export {
  AlreadyExitedError,
  BridgeClientError,
  CheckpointNotOnL1Error,
  InconsistentStateError,
  InsufficientBalanceError,
  InvalidAmountError,
  InvalidInputError,
  NotCheckpointedError,
  NotFoundError,
  TransactionFailedError,
  UnknownTokenError,
  WaitTimeoutError,
} from "./errors.ts";
export type { ExitResult } from "./exit.ts";
export {
  type BridgeProgress,
  checkpointNumberOfHeight,
  type DepositFacts,
  type DepositPhase,
  type DepositProgress,
  depositProgress,
  type Stage,
  type StageState,
  type WithdrawalFacts,
  type WithdrawalPhase,
  type WithdrawalProgress,
  withdrawalProgress,
} from "./stages.ts";
export { parseStatusRef, type StatusRef } from "./statusRef.ts";
export {
  describeL1Token,
  ETH_DECIMALS,
  ETH_L1_TOKEN,
  findBridgedToken,
  parseAddress,
  parseTokenRef,
  type TokenInfo,
  type TokenRef,
} from "./tokens.ts";
export { type WaitOptions, waitFor } from "./wait.ts";
export type { WithdrawRequest, WithdrawResult } from "./withdraw.ts";
