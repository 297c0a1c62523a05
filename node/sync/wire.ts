import { decodeRlpStrict, encodeRlpItem, RlpError, rlpBytes, rlpList } from "../crypto/index.ts";
import { type Block, type Commit, decodeBlock, decodeCommit } from "../types/index.ts";

/** One item of a block-range response: the block and the commit that decided it, each in its own encoding. */
export function encodeSyncItem(block: Uint8Array, commit: Uint8Array): Uint8Array {
  return encodeRlpItem([block, commit]);
}

export function decodeSyncItem(bytes: Uint8Array): { block: Block; commit: Commit } {
  const fields = rlpList(decodeRlpStrict(bytes), 2, "sync item");
  const block = decodeBlock(rlpBytes(fields[0], "sync item block"));
  const commit = decodeCommit(rlpBytes(fields[1], "sync item commit"));
  if (commit.height !== block.header.height) throw new RlpError("sync item: commit is for another height");
  return { block, commit };
}
