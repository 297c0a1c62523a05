import type { Address, Hex } from "../crypto/index.ts";
import type { Log, Receipt } from "../types/receipt.ts";
import type {
  BridgeInfo,
  CheckpointL1Status,
  DepositView,
  SubmitClaimResult,
  TxStatus,
  ValidatorStanding,
} from "../types/rpc/index.ts";
import type {
  Block,
  CertifiedCheckpoint,
  Commit,
  DepositClaim,
  DuplicateVoteEvidence,
  Validator,
  Withdrawal,
} from "../types/shapes.ts";
import type { WorkBudget } from "../util/workBudget.ts";

// The outrigger_* result shapes are declared once, with their wire schemas, where the bridge can import them.
export type { BridgeInfo, CheckpointL1Status, DepositView, Log, Receipt, TxStatus };

/**
 * Everything the RPC server needs from the node, in our own types. node.ts implements it over storage, the app,
 * the mempool and p2p; rpc never imports those parts, so it can be tested against an in-memory fake.
 */

/**
 * A committed block with what RPC serves alongside it. receipts are in block order: one per deposit claim (its
 * deposit transaction, type 0x7e), then receipts[depositClaims.length + i] belongs to block.txs[i].
 */
export interface BlockRecord {
  block: Block;
  /** hashHeader(block.header), which the node already knows; GENESIS_BLOCK_HASH for block 0. */
  hash: Hex;
  receipts: Receipt[];
  /** The block's EIP-1559 base fee. */
  baseFee: bigint;
}

/** Constants of the chain and the node; they never change while the node runs. */
export interface ChainInfo {
  chainId: bigint;
  /** web3_clientVersion, e.g. "outrigger/v0.1.0/linux-x64/node20.20.2". */
  clientVersion: string;
  /** The genesis minGasPrice in wei: the floor of the base fee. */
  minGasPrice: bigint;
  /** Reported as every block's gasLimit (and the gasUsedRatio denominator of eth_feeHistory). */
  blockGasLimit: bigint;
  epochLength: number;
}

/** Where a transaction the node knows is: in a committed block, or still waiting in the mempool. */
export type TxLocation =
  /** index: in block order, deposit transactions first (as receipts are). */
  { kind: "committed"; height: number; index: number } | { kind: "pending"; raw: Uint8Array; from: Address };

/** A read of the latest state. */
export interface AccountState {
  balance: bigint;
  nonce: bigint;
}

/** A call evaluated against the latest state; nothing it does is kept. */
export interface CallRequest {
  /** null: the call has no sender (views do not need one). */
  from: Address | null;
  to: Address | null;
  value: bigint;
  data: Hex;
  /** The caller's gas limit, if given. */
  gas: bigint | null;
  gasPrice: bigint | null;
  maxFeePerGas: bigint | null;
  maxPriorityFeePerGas: bigint | null;
  /** EIP-2930: warmed and paid for up front, so an estimate covers what the transaction will be charged. */
  accessList?: CallAccessListEntry[];
  /** EIP-7702: the delegations the transaction will set, applied before the call as its execution will. */
  authorizationList?: CallAuthorization[];
}

export interface CallAccessListEntry {
  address: Address;
  storageKeys: Hex[];
}

export interface CallAuthorization {
  chainId: bigint;
  address: Address;
  nonce: bigint;
  yParity: bigint;
  r: bigint;
  s: bigint;
}

export type CallOutcome =
  | { ok: true; returnData: Hex; gasUsed: bigint }
  /**
   * revert: the call itself failed (served as "execution reverted", code 3, with revertData so ethers decodes
   * it); invalid: the transaction could not even start, e.g. "insufficient funds for transfer" (code -32000).
   */
  | { ok: false; kind: "revert" | "invalid"; reason: string; revertData: Hex | null };

/**
 * Why the mempool refused a raw transaction: the same codes as the mempool's MempoolErrorCode, so node.ts
 * passes them through without rpc importing the mempool.
 */
export type TxRejection =
  | "already-known"
  | "too-large"
  | "nonce-too-low"
  | "nonce-too-high"
  | "underpriced"
  | "replacement-underpriced"
  | "insufficient-funds"
  | "intrinsic-gas"
  | "sender-limit"
  | "pool-full"
  | "busy"
  | "invalid";

export type SendTxResult = { ok: true; hash: Hex } | { ok: false; reason: TxRejection; message: string };

/** Node facts that are not in a block. */
export interface NodeStatus {
  syncing: boolean;
  /** Best height a peer has reported; null when unknown. */
  highestKnownHeight: number | null;
  peers: number;
  /** This node's validator address, or null if it runs without a validator key. */
  validator: Address | null;
}

/** A certified checkpoint as stored by the node (it arrived in a committed block). */
export interface CheckpointRecord {
  certified: CertifiedCheckpoint;
  l1: CheckpointL1Status;
}

/** What Bridge.exit needs for one withdrawal, or why it cannot have it yet. */
export type WithdrawalProofResult =
  | { kind: "ok"; checkpointNumber: number; withdrawal: Withdrawal; proof: Hex[]; root: Hex }
  | { kind: "not-found" }
  | { kind: "not-checkpointed"; height: number; checkpointNumber: number }
  | { kind: "disabled" };

export type NewBlockListener = (record: BlockRecord) => void;

/** A transaction the mempool has just taken (sent here or gossiped), as newPendingTransactions serves it. */
export interface PendingTxEvent {
  hash: Hex;
  raw: Uint8Array;
  from: Address;
}

export type PendingTxListener = (tx: PendingTxEvent) => void;

/** A transaction in the mempool, as txpool_content lists it. */
export interface PooledTx extends PendingTxEvent {
  nonce: bigint;
  /** Includable now (no nonce gap of its sender below it): geth's "pending"; otherwise "queued". */
  executable: boolean;
}

/** How many mempool transactions are executable now (pending) and waiting behind a nonce gap (queued). */
export interface TxPoolCounts {
  pending: number;
  queued: number;
}

export interface RpcBackend {
  readonly chain: ChainInfo;
  /**
   * Height of the latest committed block, 0 before the first one. It must only move once that block, its
   * receipts and its state are all readable, so a client never sees a height it cannot fetch.
   */
  headHeight(): number;
  /** The next block's EIP-1559 base fee. */
  nextBaseFee(): bigint;
  /** Height 0 is the genesis block (genesisBlockRecord), which exists from the start; null above the head. */
  getBlockByHeight(height: number): Promise<BlockRecord | null>;
  /** GENESIS_BLOCK_HASH is block 0. */
  getBlockByHash(hash: Hex): Promise<BlockRecord | null>;
  getTransaction(hash: Hex): Promise<TxLocation | null>;
  /** Committed, waiting, or dropped with the reason; null for a hash this node does not know (or forgot). */
  getTxStatus(hash: Hex): Promise<TxStatus | null>;
  /** Latest committed state of an account (zero balance and nonce for an unknown one). */
  getAccount(address: Address): Promise<AccountState>;
  /** The next nonce counting the sender's mempool transactions. */
  pendingNonce(address: Address): Promise<bigint>;
  /** "0x" for an account without code; a non-empty marker for system contracts and tokens. */
  getCode(address: Address): Promise<Hex>;
  /** A contract's storage word at a 32-byte slot (lowercase hex); zero where nothing is stored. */
  getStorageAt(address: Address, slot: Hex): Promise<bigint>;
  call(request: CallRequest, budget: WorkBudget): Promise<CallOutcome>;
  /** gasUsed of a successful outcome is the estimate. */
  estimateGas(request: CallRequest, budget: WorkBudget): Promise<CallOutcome>;
  sendRawTransaction(raw: Uint8Array): Promise<SendTxResult>;
  status(): Promise<NodeStatus>;
  /** The set that signs `height`; known up to headHeight() + 1, null outside what the node has. */
  getValidators(height: number): Promise<Validator[] | null>;
  /** Stake, jail and missed votes of a validator in the latest committed state. */
  getValidatorStanding(address: Address): Promise<ValidatorStanding>;
  /** The 2/3+ precommits that committed `height`, or null if the node has none yet. */
  getCommit(height: number): Promise<Commit | null>;
  /** A stored certified checkpoint; "latest" is the highest stored; null if none. */
  getCheckpoint(number: number | "latest"): Promise<CheckpointRecord | null>;
  /** Stored certified checkpoints numbered [from, from + count), ascending. */
  getCheckpoints(from: number, count: number): Promise<CheckpointRecord[]>;
  getWithdrawalProof(id: bigint): Promise<WithdrawalProofResult>;
  /** null when the chain has no L1. */
  bridgeInfo(): Promise<BridgeInfo | null>;
  getDeposit(nonce: bigint): Promise<DepositView | null>;
  /**
   * Double-sign evidence: what the committed block at `height` carries (null if there is no such block), or,
   * for null, what this node holds waiting for a block.
   */
  getEvidence(height: number | null): Promise<HeldEvidence[] | null>;
  /** Checks the claim against L1 before taking it; a claim already held or minted answers with its status. */
  submitDepositClaim(claim: DepositClaim): Promise<SubmitClaimResult>;
  /** Called after each committed block becomes readable (see headHeight); returns an unsubscribe function. */
  onNewBlock(listener: NewBlockListener): () => void;
  /**
   * Called for each transaction the mempool admits (replacements included); returns an unsubscribe function. The
   * server subscribes only while a pending filter or subscription exists.
   */
  onPendingTx(listener: PendingTxListener): () => void;
  txPoolCounts(): TxPoolCounts;
  /** Every mempool transaction, each sender's in nonce order. */
  txPoolContent(): PooledTx[];
}

/** A piece of evidence with its hash (keccak256 of its canonical encoding). */
export interface HeldEvidence {
  hash: Hex;
  evidence: DuplicateVoteEvidence;
}
