import fc from "fast-check";
import { decodeCheckpointSignature, encodeCheckpointSignature } from "../../node/checkpoint/wire.ts";
import { RlpError } from "../../node/crypto/index.ts";
import { decodeClaimGossip, encodeClaimGossip } from "../../node/deposits/gossipWire.ts";
import { TOPIC_NAMES, type TopicName } from "../../node/p2p/topics.ts";
import { decodeEvidence, decodeVote, encodeEvidence, encodeVote } from "../../node/types/index.ts";
import {
  decodeProposalMessage,
  decodeTxBatch,
  encodeProposalMessage,
  encodeTxBatch,
} from "../../node/types/wireMessages.ts";
import { expectTyped, type FuzzTarget, syncTarget } from "./harness.ts";
import { wireInputs } from "./mutate.ts";
import { decodeTxAsAdmitted, signedTxArb } from "./transactions.ts";
import {
  addressArb,
  blockArb,
  depositClaimArb,
  evidenceArb,
  hashArb,
  proposalArb,
  signatureArb,
  uint64Arb,
  voteArb,
} from "./wireValues.ts";

/**
 * Every gossip topic through the decoder its validator calls (node/p2p/topicHandlers.ts: vote, proposal, tx,
 * txs; node/deposits/intake.ts: deposit-claim; node/checkpoint/coordinator.ts: checkpoint-sig;
 * node/evidence/service.ts: evidence). The wire codecs throw RlpError only; a transaction goes through the
 * app's decoder (the mempool's admission), which throws AppError only.
 */

/** A valid payload of each topic, built with the real encoders. */
export const validPayloads: Readonly<Record<TopicName, fc.Arbitrary<Uint8Array>>> = {
  proposal: fc.tuple(proposalArb, blockArb).map(([p, b]) => encodeProposalMessage(p, b)),
  vote: voteArb.map(encodeVote),
  tx: signedTxArb,
  txs: fc
    .tuple(uint64Arb, fc.array(signedTxArb, { minLength: 1, maxLength: 3 }))
    .map(([id, raws]) => encodeTxBatch({ id, raws })),
  "deposit-claim": fc
    .tuple(depositClaimArb, fc.option(uint64Arb, { nil: undefined }))
    .map(([claim, gossipId]) => encodeClaimGossip(claim, gossipId)),
  "checkpoint-sig": fc
    .record({
      number: fc.nat({ max: 2 ** 32 }),
      checkpointHash: hashArb,
      signer: addressArb,
      signature: signatureArb,
      gossipId: fc.option(uint64Arb, { nil: undefined }),
    })
    .map((m) => {
      const { gossipId, ...rest } = m;
      return encodeCheckpointSignature(gossipId === undefined ? rest : m);
    }),
  evidence: evidenceArb.map(encodeEvidence),
};

const decoders: Readonly<Record<TopicName, (data: Uint8Array) => void>> = {
  proposal: (d) => decodeProposalMessage(d),
  vote: (d) => decodeVote(d),
  tx: (d) => decodeTxAsAdmitted.decode(d),
  txs: (d) => {
    for (const raw of decodeTxBatch(d).raws)
      expectTyped(() => decodeTxAsAdmitted.decode(raw), decodeTxAsAdmitted.errors, "txs: one transaction");
  },
  "deposit-claim": (d) => decodeClaimGossip(d),
  "checkpoint-sig": (d) => decodeCheckpointSignature(d),
  evidence: (d) => decodeEvidence(d),
};

/** Decoding cost per input differs a lot by topic: a proposal carries a block, a vote is 120 bytes. */
const WEIGHTS: Readonly<Record<TopicName, number>> = {
  proposal: 2,
  vote: 4,
  tx: 2,
  txs: 1,
  "deposit-claim": 4,
  "checkpoint-sig": 4,
  evidence: 3,
};

export const gossipTargets: FuzzTarget[] = TOPIC_NAMES.map((topic) =>
  syncTarget(`gossip ${topic}`, WEIGHTS[topic], wireInputs(validPayloads[topic]), (data) =>
    expectTyped(
      () => decoders[topic](data),
      topic === "tx" ? decodeTxAsAdmitted.errors : [RlpError],
      `gossip ${topic}`,
    ),
  ),
);
