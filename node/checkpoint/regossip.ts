import type { CheckpointCoordinator } from "./coordinator.ts";
import { encodeCheckpointSignature } from "./wire.ts";

/**
 * The pending checkpoint's signatures for the node's re-gossip (node/p2p HeldGossip), until a block carries the
 * checkpoint: each with a new gossip id per send, so gossipsub takes it for a new message.
 */
export function checkpointSignatureSource(coordinator: Pick<CheckpointCoordinator, "regossipSignatures">) {
  return {
    topic: "checkpoint-sig" as const,
    held: () =>
      coordinator.regossipSignatures().map((message) => ({
        key: `${message.number}/${message.signer}`,
        payload: (gossipId: bigint) => encodeCheckpointSignature({ ...message, gossipId }),
      })),
  };
}
