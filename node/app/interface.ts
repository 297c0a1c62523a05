import type { Address, Hex } from "../crypto/index.ts";
import type { DepositClaim, Receipt, Validator } from "../types/index.ts";
import type { WorkBudget } from "../util/workBudget.ts";
import type { AppError } from "./errors.ts";
import type { BlockContext, TxResult } from "./execute.ts";
import type { ChainParams } from "./params.ts";
import type { DepositRecord, TokenInfo, WithdrawalRecord } from "./state.ts";
import type { StateWrite } from "./stateCodec.ts";
import type { AccessListEntry, AppTx, AuthorizationTuple, RecoveredSigner } from "./transaction.ts";

export interface ExecutionResult {
  height: number;
  /** The committed appHash this execution builds on; commit refuses the result once that has moved on. */
  parentAppHash: Hex;
  /** The post-state hash that goes into this block's header. */
  appHash: Hex;
  /**
   * In block order: one per deposit claim (its deposit transaction, type 0x7e, in nonce order), then one per
   * transaction. Deposits come first, as the OP Stack places them.
   */
  receipts: Receipt[];
  /** One per transaction (not per deposit): txResults[i] belongs to receipts[deposits.length + i]. */
  txResults: TxResult[];
  /** Sorted by key, the appHash entry included: storage writes them in the block's batch. */
  stateWrites: StateWrite[];
  /** Non-null only at an epoch's last block: power changes (0 removes) that apply from the next height. */
  validatorUpdates: Validator[] | null;
  /** Withdrawals recorded by this block, in id order. */
  withdrawals: WithdrawalRecord[];
  /** The block's EIP-1559 base fee: what every transaction's fee paid per gas before its tip. */
  baseFee: bigint;
  /** Deposits credited by this block's claims, in nonce order (their receipts open `receipts`). */
  deposits: DepositRecord[];
  gasUsed: bigint;
}

export interface BuiltBlock {
  /** The candidates that executed, in order: the proposal's transactions. */
  txs: Uint8Array[];
  result: ExecutionResult;
  /** Candidates left out, with why (a stale nonce, a gap, funds spent by an earlier transaction). */
  rejected: { index: number; error: AppError }[];
}

export type CheckTxResult = { ok: true; tx: AppTx } | { ok: false; error: AppError };

/**
 * Transactions this node already checked, by hash (the mempool's entries): a block carrying them reuses their
 * recovered senders instead of recovering them again.
 */
export type KnownTxs = (hash: Hex) => AppTx | undefined;

export interface CallRequest {
  /** Null runs `data` as a contract creation's initcode. */
  to: Address | null;
  data?: Hex;
  /** Defaults to the zero address, as eth_call does. */
  from?: Address;
  value?: bigint;
  /** Defaults to the block gas limit. */
  gas?: bigint;
  /** EIP-2930: warmed and charged as the transaction's will be. */
  accessList?: readonly AccessListEntry[];
  /** EIP-7702: applied before the call (the sender's nonce used first), as the transaction's execution will. */
  authorizationList?: readonly AuthorizationTuple[];
}

/**
 * The consensus-facing part, as ABCI's consensus and mempool connections: what the chain and checkTx's callers
 * use to check, build, execute and commit blocks.
 */
export interface ConsensusApplication {
  readonly params: ChainParams;
  /** The last committed height (0 before block 1). */
  height(): number;
  /** The last committed appHash (the genesis appHash before block 1). */
  appHash(): Hex;
  /** The base fee of the next block (EIP-1559, from the last block's gas used). */
  baseFee(): bigint;

  /**
   * Stateless decoding and checks; throws AppError. `recovered`: senders recovered ahead (block sync), asked
   * before recovering one here.
   */
  decodeTx(raw: Uint8Array, recovered?: RecoveredSigner): AppTx;
  /**
   * Against committed state: stateless checks, nonce >= the account's, funds for value + gasLimit * fee cap.
   * `hash`: keccak256(raw), when the caller computed it (the mempool does, to look the transaction up).
   */
  checkTx(raw: Uint8Array, hash?: Hex): CheckTxResult;
  /**
   * Executes a block on an overlay: its deposit claims first (so a transaction can spend a deposit of the same
   * block), then the punishments of ctx.misbehaviour and ctx.lastCommitVotes (DESIGN.md §4, Slashing), then its
   * transactions. Throws AppError("invalid-block") if a transaction cannot be included, the claims do not
   * continue the deposit nonce sequence, or a misbehaviour has an evidenceProblem or is listed twice. A
   * transaction found in `known` is not decoded again.
   */
  executeBlock(
    ctx: BlockContext,
    txs: readonly Uint8Array[],
    depositClaims?: readonly DepositClaim[],
    known?: KnownTxs,
  ): Promise<ExecutionResult>;
  /**
   * For the proposer: executes the claims and punishments as executeBlock does (all of them: a wrong sequence or
   * a misbehaviour with an evidenceProblem throws "invalid-block"), then candidates in order, leaving out those that cannot be included. The candidates are
   * checked transactions (checkTx's, as the mempool holds them), so their senders are not recovered again.
   * `full` is asked before each candidate: once it says so, the block is closed with what it holds.
   */
  buildBlock(
    ctx: BlockContext,
    candidates: readonly AppTx[],
    depositClaims?: readonly DepositClaim[],
    full?: () => boolean,
  ): Promise<BuiltBlock>;
  /**
   * Makes an execution's state the committed one, after the node has persisted its stateWrites (an app over the
   * store checks that it has: AppError "stale-result" otherwise).
   */
  commit(result: ExecutionResult): void;
  /**
   * Reads what executing these transactions and claims will read into the state cache, off the event loop, so
   * executeBlock and buildBlock do not wait on disk. Only a matter of speed: what it misses is read when used.
   */
  prefetch(
    txs: readonly (Uint8Array | AppTx)[],
    depositClaims?: readonly DepositClaim[],
    proposer?: Address | null,
    known?: KnownTxs,
  ): Promise<void>;
  /**
   * The committed state the store does not hold yet, as writes: for a fresh node the whole genesis state, which
   * it persists before block 1; for an app opened from a store with state, only the appHash entry.
   */
  snapshotWrites(): StateWrite[];
  /** The active validator set (powers), sorted by address: the chain's genesis set when it first opens. */
  validatorSet(): Validator[];
  /**
   * Why the app would refuse to punish `validator`'s double sign at `evidenceHeight` in the block at
   * `blockHeight` (not an earlier height, older than evidenceMaxAgeHeights, already punished), or null if it
   * would: executeBlock and buildBlock throw "invalid-block" for such misbehaviour. On committed state, so for
   * the next block. Nothing left to slash is no problem: it is still jailed.
   */
  evidenceProblem(validator: Address, evidenceHeight: number, blockHeight: number): string | null;
}

/** A validator's punishment record as committed (DESIGN.md §4, Slashing). */
export interface SigningInfoView {
  /** Out of the set from the next epoch end until it unjails. */
  jailed: boolean;
  /** The first height whose block may carry its unjail() (0: never jailed). */
  jailedUntil: number;
  /** All ever slashed from it, in base units. */
  slashed: bigint;
  /** Its missed votes in the window that ends at the last height counted: the committed height - 1. */
  missedInWindow: number;
  /** Double signs up to this height are already punished (0: none). */
  punishedThrough: number;
}

/** The read-only view of committed state, as ABCI's query connection: what RPC and account lookups use. */
export interface ApplicationQuery {
  /** The last committed height (0 before block 1). */
  height(): number;
  /** The base fee of the next block. */
  baseFee(): bigint;
  balance(address: Address): bigint;
  nonce(address: Address): bigint;
  /** A contract's code; a system contract's is a marker (SYSTEM_CODE) so libraries see a contract. */
  code(address: Address): Hex;
  /** A contract's storage word; `slot` is 32 bytes of lowercase hex. */
  storageAt(address: Address, slot: Hex): bigint;
  /**
   * eth_call on committed state, run in the EVM as if in the next block. Throws AppError "reverted" (with the
   * revert data in `data`) when the call fails, "insufficient-funds" when `from` cannot pay `value`. It reads
   * the state as it was when it began, and throws WorkTimeoutError once `budget` is spent.
   */
  call(request: CallRequest, budget?: WorkBudget): Promise<Hex>;
  /** The least gas limit with which the call succeeds, found by running it; throws like call. */
  estimateGas(request: CallRequest, budget?: WorkBudget): Promise<bigint>;
  tokens(): TokenInfo[];
  token(address: Address): TokenInfo | null;
  tokenBalance(token: Address, holder: Address): bigint;
  /** The active validator set (powers), sorted by address. */
  validatorSet(): Validator[];
  stakeOf(address: Address): bigint;
  unbondingOf(address: Address): { pending: bigint; withdrawable: bigint };
  signingInfo(address: Address): SigningInfoView;
  withdrawal(id: bigint): WithdrawalRecord | null;
  nextWithdrawalId(): bigint;
  /** The nonce the next deposit claim must have: every lower one is credited. */
  nextDepositNonce(): bigint;
  deposit(nonce: bigint): DepositRecord | null;
  /**
   * Balances + stakes + unbonding: constant, since fees move between accounts and nothing mints native. Reads
   * every account (from the store, for an app over one): an audit, not a hot path.
   */
  nativeSupply(): Promise<bigint>;
}

/** Both parts of one ledger, as createApplication returns it; each consumer takes only the part it needs. */
export interface Application extends ConsensusApplication, ApplicationQuery {}
