import type { Address, Hex, SignatureHex, VoteType } from "../crypto/index.ts";

/**
 * The data shapes every part agrees on (DESIGN.md §2-§5). Heights, rounds and counts are JS numbers (safe
 * integers); amounts, nonces and chain ids are bigint; hashes, addresses and signatures lowercase hex.
 */

export interface Validator {
  address: Address;
  /** Voting power: stake / 10^18 (whole native tokens), so the total stays under CometBFT's power cap. */
  power: bigint;
}

export interface Vote {
  type: VoteType;
  height: number;
  round: number;
  /** null is a nil vote (signed as 32 zero bytes), so a non-nil hash is never all zeros. */
  blockHash: Hex | null;
  validator: Address;
  signature: SignatureHex;
}

export interface Proposal {
  height: number;
  round: number;
  /** Round of the proof-of-lock the proposer carries (always below round), or -1 for none. */
  polRound: number;
  blockHash: Hex;
  proposer: Address;
  signature: SignatureHex;
}

/** A precommit for the committed block, as it appears inside a Commit. */
export interface CommitSig {
  validator: Address;
  signature: SignatureHex;
}

/** 2/3+ of the power precommitted blockHash at (height, round); signatures sorted by validator address. */
export interface Commit {
  height: number;
  round: number;
  blockHash: Hex;
  signatures: CommitSig[];
}

/** Two votes of one validator, same (height, round, type), different block hashes; voteA's hash sorts first. */
export interface DuplicateVoteEvidence {
  voteA: Vote;
  voteB: Vote;
}

/** An L1 deposit as the relayer claims it; validators check it against Bridge.depositHash(nonce). */
export interface DepositClaim {
  nonce: bigint;
  /** The L1 token; the zero address means ETH. */
  l1Token: Address;
  from: Address;
  to: Address;
  amount: bigint;
  /**
   * Token metadata read on L1 at deposit time ("Ether", "ETH", 18 for ETH). name and symbol are valid UTF-8
   * within MAX_TOKEN_NAME_BYTES / MAX_TOKEN_SYMBOL_BYTES (limits.ts); decimals is a uint8 as in ERC20.
   */
  name: string;
  symbol: string;
  decimals: number;
  l1TxHash: Hex;
}

/** A withdrawal recorded by the sidechain bridge system contract, exitable on L1 once checkpointed. */
export interface Withdrawal {
  id: bigint;
  l1Token: Address;
  l1Recipient: Address;
  amount: bigint;
}

/** The EIP-712 struct signed by validators and verified by CheckpointManager (DESIGN.md §5). */
export interface Checkpoint {
  sidechainId: bigint;
  number: number;
  startHeight: number;
  endHeight: number;
  blocksRoot: Hex;
  withdrawalsRoot: Hex;
  nextValidatorSetHash: Hex;
}

/** A checkpoint with signatures of more than 2/3 of its epoch's power, sorted by validator address. */
export interface CertifiedCheckpoint {
  checkpoint: Checkpoint;
  signatures: CommitSig[];
}

export interface Header {
  chainId: bigint;
  height: number;
  /** Proposer's clock, unix milliseconds. */
  time: number;
  parentHash: Hex;
  proposer: Address;
  /** Hash of the current and the next height's validator sets (set changes apply at epoch boundaries). */
  validatorsHash: Hex;
  nextValidatorsHash: Hex;
  /** State after executing this block's contents (Ethereum-style post-state, not CometBFT's deferred hash). */
  appHash: Hex;
  /** Hashes of the body's parts, so the header hash commits to the whole block. */
  txsHash: Hex;
  lastCommitHash: Hex;
  evidenceHash: Hex;
  depositClaimsHash: Hex;
  checkpointsHash: Hex;
}

export interface Block {
  header: Header;
  /** Raw signed Ethereum transactions. */
  txs: Uint8Array[];
  /** The commit of height - 1; null only at the first height. */
  lastCommit: Commit | null;
  evidence: DuplicateVoteEvidence[];
  depositClaims: DepositClaim[];
  checkpoints: CertifiedCheckpoint[];
}
