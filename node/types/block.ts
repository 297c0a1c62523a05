import { type Hex, RlpError, type RlpItem, rlpList } from "../crypto/index.ts";
import {
  certifiedCheckpointsFromRlp,
  certifiedCheckpointsToRlp,
  depositClaimsFromRlp,
  depositClaimsToRlp,
  evidenceListFromRlp,
  evidenceListToRlp,
  hashCertifiedCheckpoints,
  hashCommit,
  hashDepositClaims,
  hashEvidence,
  hashTxs,
  lastCommitFromRlp,
  lastCommitToRlp,
  txsFromRlp,
  txsToRlp,
} from "./body.ts";
import { encodeEvidence } from "./evidence.ts";
import { decodeTop, encodeTop } from "./fields.ts";
import { hashHeader, headerFromRlp, headerToRlp } from "./header.ts";
import { BLOCK_LIMITS } from "./limits.ts";
import type { Block, Header } from "./shapes.ts";

/** RLP: [header, [tx...], lastCommit | "", [evidence...], [depositClaim...], [certifiedCheckpoint...]]. */
export function blockToRlp(b: Block, what = "block"): RlpItem {
  return [
    headerToRlp(b.header, `${what}.header`),
    txsToRlp(b.txs, `${what}.txs`),
    lastCommitToRlp(b.lastCommit, `${what}.lastCommit`),
    evidenceListToRlp(b.evidence, `${what}.evidence`),
    depositClaimsToRlp(b.depositClaims, `${what}.depositClaims`),
    certifiedCheckpointsToRlp(b.checkpoints, `${what}.checkpoints`),
  ];
}

export function blockFromRlp(item: RlpItem | undefined, what = "block"): Block {
  const [header, txs, lastCommit, evidence, depositClaims, checkpoints] = rlpList(item, 6, what);
  return {
    header: headerFromRlp(header, `${what}.header`),
    txs: txsFromRlp(txs, `${what}.txs`),
    lastCommit: lastCommitFromRlp(lastCommit, `${what}.lastCommit`),
    evidence: evidenceListFromRlp(evidence, `${what}.evidence`),
    depositClaims: depositClaimsFromRlp(depositClaims, `${what}.depositClaims`),
    checkpoints: certifiedCheckpointsFromRlp(checkpoints, `${what}.checkpoints`),
  };
}

/** Encodes a block; throws RlpError if it is over MAX_BLOCK_BYTES, so builders must stay under it. */
export function encodeBlock(b: Block): Uint8Array {
  return encodeTop(blockToRlp(b), BLOCK_LIMITS, "block");
}

/** Decodes the structure only: call validateBlockBody to check that the header commits to this body. */
export function decodeBlock(bytes: Uint8Array): Block {
  return blockFromRlp(decodeTop(bytes, BLOCK_LIMITS, "block"));
}

export function hashBlock(b: Block): Hex {
  return hashHeader(b.header);
}

export type BlockBody = Omit<Block, "header">;
export type BodyHashes = Pick<
  Header,
  "txsHash" | "lastCommitHash" | "evidenceHash" | "depositClaimsHash" | "checkpointsHash"
>;

/** The header fields that commit to a body: what a proposer puts in the header it builds. */
export function computeBodyHashes(body: BlockBody): BodyHashes {
  return {
    txsHash: hashTxs(body.txs),
    lastCommitHash: hashCommit(body.lastCommit),
    evidenceHash: hashEvidence(body.evidence),
    depositClaimsHash: hashDepositClaims(body.depositClaims),
    checkpointsHash: hashCertifiedCheckpoints(body.checkpoints),
  };
}

/**
 * Checks what a block can tell about itself, throwing RlpError: the header's body hashes match the body; a
 * lastCommit is for the previous height; evidence is from earlier heights and not repeated; deposit claims
 * have consecutive nonces and checkpoints consecutive numbers, each covering only earlier heights. Whether a
 * lastCommit may be absent (only at the chain's initial height), signatures, and the continuity with state
 * (next deposit nonce, last checkpoint) are for the caller, which knows genesis and state.
 */
export function validateBlockBody(block: Block): void {
  const { header } = block;
  const hashes = computeBodyHashes(block);
  for (const key of Object.keys(hashes) as (keyof BodyHashes)[]) {
    if (hashes[key] !== header[key]) {
      throw new RlpError(`block ${header.height}: header.${key} does not match the body`);
    }
  }
  const at = `block ${header.height}`;
  if (block.lastCommit !== null && block.lastCommit.height !== header.height - 1) {
    throw new RlpError(`${at}: lastCommit is for height ${block.lastCommit.height}`);
  }
  const seen = new Set<string>();
  for (const [i, e] of block.evidence.entries()) {
    if (e.voteA.height >= header.height)
      throw new RlpError(`${at}: evidence[${i}] is not from an earlier height`);
    const key = Buffer.from(encodeEvidence(e)).toString("hex");
    if (seen.has(key)) throw new RlpError(`${at}: evidence[${i}] is a duplicate`);
    seen.add(key);
  }
  for (const [i, c] of block.depositClaims.entries()) {
    const prev = block.depositClaims[i - 1];
    if (prev !== undefined && c.nonce !== prev.nonce + 1n) {
      throw new RlpError(`${at}: depositClaims[${i}] nonce does not follow the previous one`);
    }
  }
  for (const [i, { checkpoint }] of block.checkpoints.entries()) {
    const prev = block.checkpoints[i - 1];
    if (prev !== undefined && checkpoint.number !== prev.checkpoint.number + 1) {
      throw new RlpError(`${at}: checkpoints[${i}] number does not follow the previous one`);
    }
    if (checkpoint.endHeight >= header.height) {
      throw new RlpError(`${at}: checkpoints[${i}] covers a height that is not yet committed`);
    }
  }
}
