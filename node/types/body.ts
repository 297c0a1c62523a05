import { encodeRlpItem, type Hex, keccak256Hex, RlpError, type RlpItem, rlpBytes } from "../crypto/index.ts";
import { certifiedCheckpointFromRlp, certifiedCheckpointToRlp } from "./checkpoint.ts";
import { commitFromRlp, commitToRlp } from "./commit.ts";
import { depositClaimFromRlp, depositClaimToRlp } from "./depositClaim.ts";
import { evidenceFromRlp, evidenceToRlp } from "./evidence.ts";
import { listFromRlp, listToRlp } from "./fields.ts";
import {
  MAX_CHECKPOINTS_PER_BLOCK,
  MAX_DEPOSIT_CLAIMS_PER_BLOCK,
  MAX_EVIDENCE_PER_BLOCK,
  MAX_TX_BYTES,
  MAX_TXS_PER_BLOCK,
} from "./limits.ts";
import type { CertifiedCheckpoint, Commit, DepositClaim, DuplicateVoteEvidence } from "./shapes.ts";

/**
 * The block body's fields as they appear inside a block's RLP. Each body hash in the header is keccak256 of
 * exactly that field's RLP, so an empty list hashes to keccak256(0xc0) and an absent lastCommit (the empty
 * byte string) to keccak256(0x80); no hash is ever a zero placeholder.
 */

/** keccak256(0xc0): the hash of any empty body list (txs, evidence, deposit claims, checkpoints). */
export const EMPTY_LIST_HASH: Hex = "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347";
/** keccak256(0x80): the lastCommit hash of a block without one (the first height). */
export const NO_COMMIT_HASH: Hex = "0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421";

function txToRlp(tx: Uint8Array, what: string): Uint8Array {
  if (!(tx instanceof Uint8Array)) throw new RlpError(`${what}: expected bytes`);
  return checkTx(tx, what);
}

function checkTx(tx: Uint8Array, what: string): Uint8Array {
  if (tx.length === 0) throw new RlpError(`${what}: empty transaction`);
  if (tx.length > MAX_TX_BYTES) throw new RlpError(`${what}: transaction over ${MAX_TX_BYTES} bytes`);
  return tx;
}

/** RLP: [tx, ...] with each raw signed transaction as one byte string (1..MAX_TX_BYTES bytes). */
export function txsToRlp(txs: readonly Uint8Array[], what = "txs"): RlpItem {
  return listToRlp(txs, MAX_TXS_PER_BLOCK, what, txToRlp);
}

/** Copies each transaction out of the input, so a decoded block neither aliases nor pins the received buffer. */
export function txsFromRlp(item: RlpItem | undefined, what = "txs"): Uint8Array[] {
  return listFromRlp(item, MAX_TXS_PER_BLOCK, what, (tx, w) => new Uint8Array(checkTx(rlpBytes(tx, w), w)));
}

/** RLP: the commit, or the empty byte string for none. */
export function lastCommitToRlp(c: Commit | null, what = "lastCommit"): RlpItem {
  return c === null ? new Uint8Array(0) : commitToRlp(c, what);
}

export function lastCommitFromRlp(item: RlpItem | undefined, what = "lastCommit"): Commit | null {
  if (item instanceof Uint8Array && item.length === 0) return null;
  return commitFromRlp(item, what);
}

export function evidenceListToRlp(list: readonly DuplicateVoteEvidence[], what = "evidence"): RlpItem {
  return listToRlp(list, MAX_EVIDENCE_PER_BLOCK, what, evidenceToRlp);
}

export function evidenceListFromRlp(item: RlpItem | undefined, what = "evidence"): DuplicateVoteEvidence[] {
  return listFromRlp(item, MAX_EVIDENCE_PER_BLOCK, what, evidenceFromRlp);
}

export function depositClaimsToRlp(list: readonly DepositClaim[], what = "depositClaims"): RlpItem {
  return listToRlp(list, MAX_DEPOSIT_CLAIMS_PER_BLOCK, what, depositClaimToRlp);
}

export function depositClaimsFromRlp(item: RlpItem | undefined, what = "depositClaims"): DepositClaim[] {
  return listFromRlp(item, MAX_DEPOSIT_CLAIMS_PER_BLOCK, what, depositClaimFromRlp);
}

export function certifiedCheckpointsToRlp(
  list: readonly CertifiedCheckpoint[],
  what = "checkpoints",
): RlpItem {
  return listToRlp(list, MAX_CHECKPOINTS_PER_BLOCK, what, certifiedCheckpointToRlp);
}

export function certifiedCheckpointsFromRlp(
  item: RlpItem | undefined,
  what = "checkpoints",
): CertifiedCheckpoint[] {
  return listFromRlp(item, MAX_CHECKPOINTS_PER_BLOCK, what, certifiedCheckpointFromRlp);
}

const hashItem = (item: RlpItem): Hex => keccak256Hex(encodeRlpItem(item));

export function hashTxs(txs: readonly Uint8Array[]): Hex {
  return hashItem(txsToRlp(txs));
}

export function hashCommit(commit: Commit | null): Hex {
  return hashItem(lastCommitToRlp(commit));
}

export function hashEvidence(list: readonly DuplicateVoteEvidence[]): Hex {
  return hashItem(evidenceListToRlp(list));
}

export function hashDepositClaims(list: readonly DepositClaim[]): Hex {
  return hashItem(depositClaimsToRlp(list));
}

export function hashCertifiedCheckpoints(list: readonly CertifiedCheckpoint[]): Hex {
  return hashItem(certifiedCheckpointsToRlp(list));
}
