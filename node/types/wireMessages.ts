import {
  decodeRlpStrict,
  encodeRlpItem,
  RlpError,
  rlpBytes,
  rlpList,
  rlpSafeInt,
  rlpUint,
  uintToBytes,
} from "../crypto/index.ts";
import {
  type Block,
  blockFromRlp,
  blockToRlp,
  decodeVote,
  encodeVote,
  MAX_TX_BYTES,
  type Proposal,
  proposalFromRlp,
  proposalToRlp,
  type Vote,
} from "./index.ts";

/** A proposal travels with its block: RLP [proposal, block]. */
export function encodeProposalMessage(proposal: Proposal, block: Block): Uint8Array {
  return encodeRlpItem([proposalToRlp(proposal), blockToRlp(block)]);
}

export function decodeProposalMessage(bytes: Uint8Array): { proposal: Proposal; block: Block } {
  const [p, b] = rlpList(decodeRlpStrict(bytes), 2, "proposal message");
  return { proposal: proposalFromRlp(p), block: blockFromRlp(b) };
}

/** A catch-up item is tagged so one response can carry proposals and votes: RLP [kind, payload]. */
const CATCH_UP_PROPOSAL = 1;
const CATCH_UP_VOTE = 2;

export type CatchUpItem =
  | { kind: "proposal"; proposal: Proposal; block: Block }
  | { kind: "vote"; vote: Vote };

export function encodeCatchUpItem(item: CatchUpItem): Uint8Array {
  return item.kind === "proposal"
    ? encodeRlpItem([uintToBytes(CATCH_UP_PROPOSAL), encodeProposalMessage(item.proposal, item.block)])
    : encodeRlpItem([uintToBytes(CATCH_UP_VOTE), encodeVote(item.vote)]);
}

export function decodeCatchUpItem(bytes: Uint8Array): CatchUpItem {
  const [kind, payload] = rlpList(decodeRlpStrict(bytes), 2, "catch-up item");
  const data = rlpBytes(payload, "catch-up payload");
  switch (rlpSafeInt(kind, "catch-up kind")) {
    case CATCH_UP_PROPOSAL:
      return { kind: "proposal", ...decodeProposalMessage(data) };
    case CATCH_UP_VOTE:
      return { kind: "vote", vote: decodeVote(data) };
    default:
      throw new RlpError("catch-up item: unknown kind");
  }
}

/**
 * Transactions gossiped together: RLP [batchId, [raw, raw, ...]]. One message per transaction costs gossipsub a
 * message id, a seen-cache entry, an IHAVE and a validation each; a batch pays those once. The sender's batch id
 * makes every batch a new message, so transactions sent again (re-gossip) are not swallowed as duplicates of an
 * earlier batch by gossipsub's seen cache. Bounded so that a batch is cheap to refuse and fits any peer's limits:
 * at most MAX_TX_BATCH_TXS transactions and MAX_TX_BATCH_BYTES encoded, room for one transaction of the largest
 * size.
 */
export const MAX_TX_BATCH_TXS = 256;
export const MAX_TX_BATCH_BYTES = 512 * 1024;
/** The most an RLP string or list header takes for anything under 4 GiB, and a batch id's encoding. */
const RLP_STRING_HEADER = 5;
const RLP_LIST_HEADER = 5;
const BATCH_ID_BYTES = 9;
const BATCH_OVERHEAD = 2 * RLP_LIST_HEADER + BATCH_ID_BYTES;

export interface TxBatch {
  /** Chosen by the sender to tell its batches apart; means nothing else. */
  id: bigint;
  raws: Uint8Array[];
}

export function encodeTxBatch(batch: TxBatch): Uint8Array {
  const { id, raws } = batch;
  if (raws.length === 0 || raws.length > MAX_TX_BATCH_TXS)
    throw new RlpError(`a transaction batch holds 1 to ${MAX_TX_BATCH_TXS} transactions, not ${raws.length}`);
  if (id < 0n || id >= 2n ** 64n) throw new RlpError(`a batch id is a 64-bit unsigned integer, not ${id}`);
  const bytes = encodeRlpItem([uintToBytes(id), [...raws]]);
  if (bytes.length > MAX_TX_BATCH_BYTES)
    throw new RlpError(`a transaction batch of ${bytes.length} bytes is over ${MAX_TX_BATCH_BYTES}`);
  return bytes;
}

/** A batch's raw transactions, each still to be checked on its own; throws RlpError for a malformed batch. */
export function decodeTxBatch(bytes: Uint8Array): TxBatch {
  if (bytes.length > MAX_TX_BATCH_BYTES)
    throw new RlpError(`a transaction batch of ${bytes.length} bytes is over ${MAX_TX_BATCH_BYTES}`);
  const [idItem, list] = rlpList(decodeRlpStrict(bytes), 2, "transaction batch");
  const id = rlpUint(idItem, "batch id", 8);
  if (!Array.isArray(list)) throw new RlpError("a transaction batch's transactions must be a list");
  if (list.length === 0 || list.length > MAX_TX_BATCH_TXS)
    throw new RlpError(`a transaction batch holds 1 to ${MAX_TX_BATCH_TXS} transactions, not ${list.length}`);
  const raws = list.map((raw, i) => {
    const tx = rlpBytes(raw, `batch transaction ${i}`);
    if (tx.length === 0 || tx.length > MAX_TX_BYTES)
      throw new RlpError(`batch transaction ${i} has ${tx.length} bytes, not 1 to ${MAX_TX_BYTES}`);
    return tx;
  });
  return { id, raws };
}

/**
 * Splits transactions, in order, into batches within the batch bounds. A transaction too large for any batch is
 * left out (the mempool never holds one).
 */
export function packTxBatches(raws: Iterable<Uint8Array>): Uint8Array[][] {
  const batches: Uint8Array[][] = [];
  let current: Uint8Array[] = [];
  let size = 0;
  for (const raw of raws) {
    const cost = raw.length + RLP_STRING_HEADER;
    if (cost + BATCH_OVERHEAD > MAX_TX_BATCH_BYTES) continue;
    if (current.length === MAX_TX_BATCH_TXS || size + cost + BATCH_OVERHEAD > MAX_TX_BATCH_BYTES) {
      batches.push(current);
      current = [];
      size = 0;
    }
    current.push(raw);
    size += cost;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
