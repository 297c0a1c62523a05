import {
  type Address,
  encodeRlpItem,
  type Hex,
  hexToBytes,
  keccak256Hex,
  uintToBytes,
  ZERO_HASH,
} from "../../node/crypto/index.ts";
import type { DuplicateVoteEvidence } from "../../node/types/shapes.ts";
import { voteToRlp } from "../../node/types/vote.ts";

/**
 * The simulator's application block: just enough structure for a validity rule that a byzantine proposer can
 * break (wrong height, wrong parent, a poisoned payload) and that honest validators check before prevoting.
 */
export interface SimBlock {
  readonly height: number;
  readonly parentHash: Hex;
  readonly proposer: Address;
  readonly payload: string;
  /** Double-sign evidence the block carries (checked by honest validators before they prevote it). */
  readonly evidence: readonly DuplicateVoteEvidence[];
}

/** Payloads starting with this are invalid by the application's rule; only byzantine nodes build them. */
export const POISON_PREFIX = "invalid:";

export const GENESIS_PARENT: Hex = ZERO_HASH;

// Blocks are shared, frozen objects; hashing each one once is enough.
const hashes = new WeakMap<SimBlock, Hex>();

export function blockHash(block: SimBlock): Hex {
  const cached = hashes.get(block);
  if (cached !== undefined) return cached;
  const hash = keccak256Hex(
    encodeRlpItem([
      uintToBytes(block.height),
      hexToBytes(block.parentHash, 32),
      hexToBytes(block.proposer, 20),
      new TextEncoder().encode(block.payload),
      // The votes as they are, without the evidence shape check: a byzantine block's hash must still compute.
      block.evidence.map((e) => [voteToRlp(e.voteA), voteToRlp(e.voteB)]),
    ]),
  );
  hashes.set(block, hash);
  return hash;
}

export function makeBlock(
  fields: Omit<SimBlock, "evidence"> & Partial<Pick<SimBlock, "evidence">>,
): SimBlock {
  return Object.freeze({ ...fields, evidence: Object.freeze([...(fields.evidence ?? [])]) });
}

/** Why a block is unacceptable to an honest application at `height` on top of `parentHash`, or null. */
export function blockDefect(
  block: SimBlock,
  height: number,
  parentHash: Hex,
  isValidator: (a: Address) => boolean,
): string | null {
  if (block.height !== height) return `height ${block.height} != ${height}`;
  if (block.parentHash !== parentHash)
    return `parent ${block.parentHash.slice(0, 10)} is not the committed parent`;
  if (!isValidator(block.proposer)) return `proposer ${block.proposer} is not a validator`;
  if (block.payload.startsWith(POISON_PREFIX)) return "payload is poisoned";
  return null;
}
