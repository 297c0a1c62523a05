import { decodeRlpStrict, encodeRlpItem, RlpError, rlpBytes, rlpList } from "../crypto/index.ts";
import { type Block, type Commit, decodeBlock, decodeCommit } from "../types/index.ts";

/** One item of a block-range response: the block and the commit that decided it, each in its own encoding. */
export function encodeSyncItem(block: Uint8Array, commit: Uint8Array): Uint8Array {
  return encodeRlpItem([block, commit]);
}

/**
 * A decoded item with the bytes it was decoded from, tied to the decoded objects: the store writes those bytes as
 * they are instead of encoding the objects again (the strict decoders take only the canonical encoding).
 */
export interface SyncItem {
  block: Block;
  commit: Commit;
  encoded: { block: Block; blockBytes: Uint8Array; commit: Commit; commitBytes: Uint8Array };
}

export function decodeSyncItem(bytes: Uint8Array): SyncItem {
  const fields = rlpList(decodeRlpStrict(bytes), 2, "sync item");
  const blockBytes = rlpBytes(fields[0], "sync item block");
  const commitBytes = rlpBytes(fields[1], "sync item commit");
  const block = decodeBlock(blockBytes);
  const commit = decodeCommit(commitBytes);
  if (commit.height !== block.header.height) throw new RlpError("sync item: commit is for another height");
  return { block, commit, encoded: { block, blockBytes, commit, commitBytes } };
}
