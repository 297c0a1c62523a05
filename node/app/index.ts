export * from "./abi.ts";
export * from "./addresses.ts";
export * from "./application.ts";
export { creditDeposit, type DepositCredit } from "./bridge.ts";
export { systemCallGas, systemTargetOf } from "./calls.ts";
export { WETH_METADATA } from "./deposits.ts";
export * from "./errors.ts";
export { intrinsicGas, MAX_INITCODE_SIZE, minimumGasLimit } from "./evm/intrinsicGas.ts";
export type { BlockContext, CommitVote, Misbehaviour, TxResult } from "./execute.ts";
export * from "./genesisState.ts";
export * from "./interface.ts";
export * from "./params.ts";
export * from "./stakeUnits.ts";
export type {
  Account,
  DepositRecord,
  SigningInfo,
  TokenInfo,
  UnbondingEntry,
  WithdrawalRecord,
} from "./state.ts";
export { APP_HASH_KEY, chainAppHash, KEY_PREFIX, loadState, type StateWrite } from "./stateCodec.ts";
export type { StateReader } from "./stateReader.ts";
export { DEFAULT_STATE_CACHE_ENTRIES, type StoredLedgerOptions } from "./storedState.ts";
export { tokenCallGas } from "./tokens.ts";
export * from "./transaction.ts";
