/**
 * One-byte key prefixes of the single database (Lodestar style): every key is `bucket ‖ key`, so each bucket is
 * one contiguous, independently iterable key range. Values are never renumbered: add new buckets at the end.
 */
export enum Bucket {
  /** Small singletons under ASCII keys: "genesis", "head". */
  meta = 0x00,
  /** height (8-byte big-endian) -> block RLP. */
  blockByHeight = 0x01,
  /** height -> 32-byte block hash; lets hash lookups and ranges skip decoding blocks. */
  hashByHeight = 0x02,
  /** block hash -> height. */
  heightByHash = 0x03,
  /** height -> the commit (2/3+ precommits) that decided that height's block. */
  commitByHeight = 0x04,
  /** height -> RLP list of the block's receipts in tx order (eth_getLogs walks a height range of these). */
  receiptsByHeight = 0x05,
  /** tx hash -> RLP [height, index]. */
  txLocation = 0x06,
  /** The app's key/value state, keys chosen by the app. */
  state = 0x07,
  /** The privval last-sign-state, one record under the empty key. */
  signState = 0x08,
  /** height ‖ sequence (8 + 8 bytes) -> RLP [kind, data]: consensus messages of unfinished heights. */
  wal = 0x09,
  /** First height a set is in force (epoch start) -> validator set snapshot with proposer priorities. */
  validatorSets = 0x0a,
  /** evidence hash -> encoded double-sign evidence this node holds and no block has carried yet. */
  evidence = 0x0b,
  /** Reserved for checkpoints and their signatures. */
  checkpoints = 0x0c,
  /** height -> the block's EIP-1559 base fee (uint RLP); absent for blocks from before it moved. */
  baseFeeByHeight = 0x0d,
  /** tx hash -> raw signed transaction: what this node's RPC accepted and no block has included yet. */
  txJournal = 0x0e,
}
