import type { BlockRecord, RpcBackend } from "./backend.ts";
import { RpcError, RpcErrorCode } from "./errors.ts";
import type { BlockRef, NumberOrTagRef } from "./schemas.ts";

/** Block 0 is the genesis block (DESIGN §6): "earliest" is always 0, and served even before the first commit. */
const EARLIEST_HEIGHT = 0;

/** Blocks are final once committed, so latest, safe, finalized (and pending, for blocks) are one height. */
export function heightOf(ref: NumberOrTagRef, head: number): number {
  if (ref.kind === "number") return ref.height;
  return ref.tag === "earliest" ? EARLIEST_HEIGHT : head;
}

export async function resolveBlock(ref: BlockRef, backend: RpcBackend): Promise<BlockRecord | null> {
  if (ref.kind === "hash") return backend.getBlockByHash(ref.hash);
  return backend.getBlockByHeight(heightOf(ref, backend.headHeight()));
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
    height = EARLIEST_HEIGHT;
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
