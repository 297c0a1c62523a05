import type { ClaimPool } from "./claimPool.ts";
import { encodeClaimGossip } from "./gossipWire.ts";

/**
 * The claims this node holds for the node's re-gossip (node/p2p HeldGossip), lowest nonce first (those unblock
 * the rest), until a block mints them: each with a new gossip id per send, so gossipsub takes it for a new message.
 */
export function depositClaimSource(pool: Pick<ClaimPool, "held">) {
  return {
    topic: "deposit-claim" as const,
    held: () =>
      pool.held().map((claim) => ({
        key: claim.nonce.toString(),
        payload: (gossipId: bigint) => encodeClaimGossip(claim, gossipId),
      })),
  };
}
