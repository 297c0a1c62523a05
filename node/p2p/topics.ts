import {
  CHECKPOINT_LIMITS,
  COMMIT_SIG_LIMITS,
  DEPOSIT_CLAIM_LIMITS,
  EVIDENCE_LIMITS,
  MAX_BLOCK_BYTES,
  MAX_TX_BYTES,
  PROPOSAL_LIMITS,
  VOTE_LIMITS,
} from "../types/index.ts";
import { MAX_TX_BATCH_BYTES } from "../types/wireMessages.ts";

/** Gossip topics of DESIGN.md §3; payloads are opaque bytes here, the node encodes and validates them. */
export const TOPIC_NAMES = [
  "proposal",
  "vote",
  "tx",
  "txs",
  "deposit-claim",
  "checkpoint-sig",
  "evidence",
] as const;
export type TopicName = (typeof TOPIC_NAMES)[number];

/**
 * Largest payload accepted per topic; a bigger one is rejected (and its sender penalised) before the node's
 * validator sees it. Each is at least the codec's own bound (node/types/limits.ts), with headroom for small
 * envelopes, so that nothing the node would accept is dropped here.
 */
export const TOPIC_MAX_BYTES: Readonly<Record<TopicName, number>> = {
  // RLP([proposal, block]): the whole block travels with its signed proposal.
  proposal: MAX_BLOCK_BYTES + PROPOSAL_LIMITS.maxBytes + 16,
  vote: Math.max(256, VOTE_LIMITS.maxBytes),
  // The raw signed transaction, as eth_sendRawTransaction received it.
  tx: MAX_TX_BYTES,
  // RLP [raw, raw, ...]: transactions gossiped together (wireMessages.ts bounds a batch).
  txs: MAX_TX_BATCH_BYTES,
  "deposit-claim": Math.max(1024, DEPOSIT_CLAIM_LIMITS.maxBytes),
  // RLP([checkpoint, [signer, signature]]): ~260 B encoded.
  "checkpoint-sig": Math.max(512, CHECKPOINT_LIMITS.maxBytes + COMMIT_SIG_LIMITS.maxBytes + 16),
  evidence: Math.max(1024, EVIDENCE_LIMITS.maxBytes),
};

export const MAX_TOPIC_BYTES = Math.max(...Object.values(TOPIC_MAX_BYTES));

export function topicString(chainId: bigint, name: TopicName): string {
  return `/outrigger/${chainId.toString()}/${name}/rlp`;
}

/** topic string -> name, for this chain only; other chains' topics are unknown and never subscribed. */
export function topicNamesByString(chainId: bigint): Map<string, TopicName> {
  return new Map(TOPIC_NAMES.map((name) => [topicString(chainId, name), name]));
}
