import type {
  PeerScoreParams,
  PeerScoreThresholds,
  TopicScoreParams,
} from "@chainsafe/libp2p-gossipsub/score";
import { TOPIC_NAMES, type TopicName, topicString } from "./topics.ts";

/**
 * Gossipsub peer scoring (gossipsub v1.1), derived the way Lodestar and Lighthouse derive theirs, scaled to
 * ~1 s blocks. What matters most here is P4: every message our validator rejects costs its sender
 * maxPositiveScore x (invalid count)^2, so 7 invalid messages on one topic stop gossip to the peer, 10 stop our
 * publishing to it and 13 graylist it (its RPCs are dropped unread). The count decays to 1% over an hour, so a
 * peer that keeps sending junk stays graylisted.
 */

/** The decay tick; one block interval on the devnet. */
const SLOT_MS = 1000;
/** A scoring "epoch" of 32 slots, as in Ethereum, so Lodestar's rates carry over. */
const EPOCH_MS = 32 * SLOT_MS;
const DECAY_TO_ZERO = 0.01;
/** Mesh degree of gossipsub's defaults (D = 6): first-delivery caps are per expected mesh share. */
const MESH_D = 6;
const MAX_IN_MESH_SCORE = 10;
const MAX_FIRST_MESSAGE_DELIVERIES_SCORE = 40;

interface TopicScoreInput {
  weight: number;
  /** Messages per slot on the whole network, roughly; only sizes the positive first-delivery reward. */
  expectedPerSlot: number;
}

/** Votes carry consensus, so they weigh most; rare topics weigh little so they cannot dominate a score. */
const TOPIC_SCORE_INPUT: Readonly<Record<TopicName, TopicScoreInput>> = {
  proposal: { weight: 0.5, expectedPerSlot: 1 },
  vote: { weight: 1, expectedPerSlot: 16 },
  // The two transaction topics share the weight a single one had, so the score's scale is unchanged.
  tx: { weight: 0.1, expectedPerSlot: 10 },
  txs: { weight: 0.1, expectedPerSlot: 4 },
  "deposit-claim": { weight: 0.05, expectedPerSlot: 0.1 },
  "checkpoint-sig": { weight: 0.1, expectedPerSlot: 0.2 },
  evidence: { weight: 0.05, expectedPerSlot: 0.01 },
};

const MAX_POSITIVE_SCORE =
  (MAX_IN_MESH_SCORE + MAX_FIRST_MESSAGE_DELIVERIES_SCORE) *
  Object.values(TOPIC_SCORE_INPUT).reduce((sum, t) => sum + t.weight, 0);

/** Lighthouse's and Lodestar's thresholds. */
export const GOSSIP_SCORE_THRESHOLDS: PeerScoreThresholds = {
  gossipThreshold: -4000,
  publishThreshold: -8000,
  graylistThreshold: -16000,
  acceptPXThreshold: 100,
  opportunisticGraftThreshold: 5,
};

function decayPerTick(decayTimeMs: number): number {
  return DECAY_TO_ZERO ** (SLOT_MS / decayTimeMs);
}

function decayConvergence(decay: number, rate: number): number {
  return rate / (1 - decay);
}

function topicScoreParams({ weight, expectedPerSlot }: TopicScoreInput): TopicScoreParams {
  const timeInMeshCap = 3600 / (SLOT_MS / 1000);
  const firstMessageDeliveriesDecay = decayPerTick(EPOCH_MS * 4);
  const firstMessageDeliveriesCap = decayConvergence(
    firstMessageDeliveriesDecay,
    (2 * expectedPerSlot) / MESH_D,
  );
  return {
    topicWeight: weight,
    timeInMeshWeight: MAX_IN_MESH_SCORE / timeInMeshCap,
    timeInMeshQuantum: SLOT_MS,
    timeInMeshCap,
    firstMessageDeliveriesWeight: MAX_FIRST_MESSAGE_DELIVERIES_SCORE / firstMessageDeliveriesCap,
    firstMessageDeliveriesDecay,
    firstMessageDeliveriesCap,
    // P3 (mesh delivery deficit) off: our rates are bursty and stop when the chain halts, and a false deficit
    // would prune honest peers exactly when the mesh is needed to recover. Lodestar also enables it only for
    // steady, high-rate topics.
    meshMessageDeliveriesWeight: 0,
    meshMessageDeliveriesDecay: 0,
    meshMessageDeliveriesCap: 0,
    meshMessageDeliveriesThreshold: 0,
    meshMessageDeliveriesWindow: 0,
    meshMessageDeliveriesActivation: 0,
    meshFailurePenaltyWeight: 0,
    meshFailurePenaltyDecay: 0,
    invalidMessageDeliveriesWeight: -MAX_POSITIVE_SCORE / weight,
    invalidMessageDeliveriesDecay: decayPerTick(3600 * 1000),
  };
}

/**
 * `appSpecificScore` is P5, weighted 1: the node's own penalties (peerPenalties.ts), negative, on the same scale as
 * the thresholds, so a few req/resp or sync offences graylist a peer as junk gossip does.
 */
export function gossipScoreParams(
  chainId: bigint,
  appSpecificScore: (peer: string) => number = () => 0,
): Partial<PeerScoreParams> {
  const topics: Record<string, TopicScoreParams> = {};
  for (const name of TOPIC_NAMES)
    topics[topicString(chainId, name)] = topicScoreParams(TOPIC_SCORE_INPUT[name]);
  const behaviourPenaltyDecay = decayPerTick(EPOCH_MS * 10);
  const behaviourPenaltyThreshold = 6;
  const behaviourTarget = decayConvergence(behaviourPenaltyDecay, 10 / 32) - behaviourPenaltyThreshold;
  const topicScoreCap = MAX_POSITIVE_SCORE * 0.5;
  return {
    topics,
    topicScoreCap,
    appSpecificScore,
    appSpecificWeight: 1,
    // Devnets run every validator on one machine: colocation on loopback is the normal case, not a Sybil sign.
    IPColocationFactorWeight: -topicScoreCap,
    IPColocationFactorThreshold: 3,
    IPColocationFactorWhitelist: new Set(["127.0.0.1", "::1"]),
    behaviourPenaltyWeight: GOSSIP_SCORE_THRESHOLDS.gossipThreshold / behaviourTarget ** 2,
    behaviourPenaltyThreshold,
    behaviourPenaltyDecay,
    decayInterval: SLOT_MS,
    decayToZero: DECAY_TO_ZERO,
    // A peer that misbehaved and reconnects keeps its score this long.
    retainScore: 3600 * 1000,
  };
}

/** Exposed for tests and the operator notes: what one invalid message costs its sender. */
export const INVALID_MESSAGE_PENALTY = MAX_POSITIVE_SCORE;
