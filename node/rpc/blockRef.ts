import type { BlockRecord, RpcBackend } from "./backend.ts";
import { RpcError, RpcErrorCode } from "./errors.ts";
import type { BlockRef, NumberOrTagRef } from "./schemas.ts";

/** Heights start at 1: "earliest" is block 1, or 0 (no block) before the first commit. */
const INITIAL_HEIGHT = 1;

/** Blocks are final once committed, so latest, safe, finalized (and pending, for blocks) are one height. */
export function heightOf(ref: NumberOrTagRef, head: number): number {
  if (ref.kind === "number") return ref.height;
  return ref.tag === "earliest" ? Math.min(INITIAL_HEIGHT, head) : head;
}

export async function resolveBlock(ref: BlockRef, backend: RpcBackend): Promise<BlockRecord | null> {
  if (ref.kind === "hash") return backend.getBlockByHash(ref.hash);
  const height = heightOf(ref, backend.headHeight());
  return height < INITIAL_HEIGHT ? null : backend.getBlockByHeight(height);
}

/**
 * The app keeps only the latest state, so a state read at any other block is refused rather than answered
 * with the wrong state. An explicit number equal to the head is served from the latest state.
 */
export async function requireLatestState(ref: BlockRef | undefined, backend: RpcBackend): Promise<void> {
  if (ref === undefined) return;
  const head = backend.headHeight();
  let height: number;
  if (ref.kind === "tag") {
    if (ref.tag !== "earliest") return;
    height = Math.min(INITIAL_HEIGHT, head);
  } else if (ref.kind === "number") {
    height = ref.height;
  } else {
    const record = await backend.getBlockByHash(ref.hash);
    if (record === null) throw new RpcError(RpcErrorCode.Server, `header for hash ${ref.hash} not found`);
    height = record.block.header.height;
  }
  if (height > head)
    throw new RpcError(RpcErrorCode.Server, `header not found: block ${height} is above the head ${head}`);
  if (height !== head) {
    throw new RpcError(
      RpcErrorCode.Server,
      `historical state is not available: this node keeps only the latest state (block ${head}), block ${height} was requested`,
    );
  }
}
