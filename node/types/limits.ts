/**
 * Caps every decoder enforces, so that a hostile peer can neither make us allocate without bound nor send a
 * message our own encoders would refuse to produce. Gossip and req/resp size limits must be at least these.
 */

/** Validators in a set, and so signatures in a Commit or CertifiedCheckpoint (CometBFT caps votes at 10,000). */
export const MAX_VALIDATORS = 1024;
export const MAX_TXS_PER_BLOCK = 10_000;
/** geth's txpool limit for one transaction. */
export const MAX_TX_BYTES = 128 * 1024;
export const MAX_EVIDENCE_PER_BLOCK = 64;
export const MAX_DEPOSIT_CLAIMS_PER_BLOCK = 1024;
/** A block's receipts: its deposit transactions first, then its signed transactions. */
export const MAX_RECEIPTS_PER_BLOCK = MAX_DEPOSIT_CLAIMS_PER_BLOCK + MAX_TXS_PER_BLOCK;
export const MAX_CHECKPOINTS_PER_BLOCK = 4;
/**
 * The same caps as contracts/TokenMetadata.sol: the metadata is part of Bridge's deposit hash, so a claim with
 * longer strings could never match L1 anyway. Raising one side without the other strands deposits.
 */
export const MAX_TOKEN_NAME_BYTES = 64;
export const MAX_TOKEN_SYMBOL_BYTES = 32;
/**
 * A whole encoded block; block builders must stay under it. Hashing the body runs at roughly 17 MB/s (keccak
 * in JS), so this keeps a full block's validation well inside a one-second block time.
 */
export const MAX_BLOCK_BYTES = 4 * 1024 * 1024;

// Encoded-size upper bounds per field: a list header is at most 5 bytes for anything below 4 GiB.
const LIST = 5;
const UINT = 33;
const SAFE_INT = 8;
const HASH = 33;
const ADDRESS = 21;
const SIGNATURE = 67;

/**
 * Upper bounds of a message's encoded size and, for messages holding lists, of its RLP item count (every string
 * and list counts one). Fixed-shape messages need no item bound: their byte cap already is one.
 */
export interface SizeLimits {
  maxBytes: number;
  maxItems?: number;
}

// Item counts of fixed-shape messages, the building blocks of the list-bearing messages' bounds.
const VOTE_ITEMS = 7;
const COMMIT_SIG_ITEMS = 3;
const EVIDENCE_ITEMS = 1 + 2 * VOTE_ITEMS;
const DEPOSIT_CLAIM_ITEMS = 10;
const CHECKPOINT_ITEMS = 8;
const VALIDATOR_ITEMS = 3;
const HEADER_ITEMS = 14;
const COMMIT_ITEMS = 1 + 3 + 1 + MAX_VALIDATORS * COMMIT_SIG_ITEMS;
const CERTIFIED_CHECKPOINT_ITEMS = 1 + CHECKPOINT_ITEMS + 1 + MAX_VALIDATORS * COMMIT_SIG_ITEMS;

export const VOTE_LIMITS: SizeLimits = {
  maxBytes: LIST + 1 + SAFE_INT * 2 + HASH + ADDRESS + SIGNATURE,
};
export const PROPOSAL_LIMITS: SizeLimits = {
  maxBytes: LIST + SAFE_INT * 3 + HASH + ADDRESS + SIGNATURE,
};
export const COMMIT_SIG_LIMITS: SizeLimits = { maxBytes: LIST + ADDRESS + SIGNATURE };
export const COMMIT_LIMITS: SizeLimits = {
  maxBytes: LIST + SAFE_INT * 2 + HASH + LIST + MAX_VALIDATORS * COMMIT_SIG_LIMITS.maxBytes,
  maxItems: COMMIT_ITEMS,
};
export const EVIDENCE_LIMITS: SizeLimits = {
  maxBytes: LIST + 2 * VOTE_LIMITS.maxBytes,
};
export const DEPOSIT_CLAIM_LIMITS: SizeLimits = {
  maxBytes:
    LIST + UINT * 2 + ADDRESS * 3 + LIST + MAX_TOKEN_NAME_BYTES + LIST + MAX_TOKEN_SYMBOL_BYTES + 2 + HASH,
};
export const WITHDRAWAL_LIMITS: SizeLimits = { maxBytes: LIST + UINT * 2 + ADDRESS * 2 };
export const CHECKPOINT_LIMITS: SizeLimits = { maxBytes: LIST + UINT + SAFE_INT * 3 + HASH * 3 };
export const CERTIFIED_CHECKPOINT_LIMITS: SizeLimits = {
  maxBytes: LIST + CHECKPOINT_LIMITS.maxBytes + LIST + MAX_VALIDATORS * COMMIT_SIG_LIMITS.maxBytes,
  maxItems: CERTIFIED_CHECKPOINT_ITEMS,
};
export const VALIDATOR_LIMITS: SizeLimits = { maxBytes: LIST + ADDRESS + UINT };
export const VALIDATORS_LIMITS: SizeLimits = {
  maxBytes: LIST + MAX_VALIDATORS * VALIDATOR_LIMITS.maxBytes,
  maxItems: 1 + MAX_VALIDATORS * VALIDATOR_ITEMS,
};
export const HEADER_LIMITS: SizeLimits = {
  maxBytes: LIST + UINT + SAFE_INT * 2 + ADDRESS + HASH * 9,
};
export const BLOCK_LIMITS: SizeLimits = {
  maxBytes: MAX_BLOCK_BYTES,
  maxItems:
    1 +
    HEADER_ITEMS +
    (1 + MAX_TXS_PER_BLOCK) +
    COMMIT_ITEMS +
    (1 + MAX_EVIDENCE_PER_BLOCK * EVIDENCE_ITEMS) +
    (1 + MAX_DEPOSIT_CLAIMS_PER_BLOCK * DEPOSIT_CLAIM_ITEMS) +
    (1 + MAX_CHECKPOINTS_PER_BLOCK * CERTIFIED_CHECKPOINT_ITEMS),
};

/** A block's gas limit when genesis gives none: Ethereum mainnet's for most of its recent history. */
export const DEFAULT_BLOCK_GAS_LIMIT = 30_000_000n;
/** The largest block gas limit genesis accepts: receipts' decoding caps hold what such a block can log. */
export const MAX_BLOCK_GAS_LIMIT = 100_000_000n;
