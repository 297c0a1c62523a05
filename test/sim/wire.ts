import { VoteType } from "../../node/crypto/index.ts";
import type { Commit, DuplicateVoteEvidence, Proposal, Vote } from "../../node/types/shapes.ts";
import type { SimBlock } from "./block.ts";

/** A proposal travels with its block, as on the proposal gossip topic. */
export interface ProposalMessage {
  readonly proposal: Proposal;
  readonly block: SimBlock;
}

/** A decided height as block sync serves it: the block and its commit certificate. */
export interface Decision {
  readonly block: SimBlock;
  readonly commit: Commit;
}

/**
 * What simulated nodes send each other. `catchUp` is the periodic re-gossip of the sender's current height
 * (gossipsub never resends, so without it a dropped message would be lost for good); `decisions` answers a
 * peer whose catch-up shows it is behind, like block sync; `evidence` is the evidence gossip topic.
 */
export type SimMessage =
  | { readonly kind: "proposal"; readonly message: ProposalMessage }
  | { readonly kind: "vote"; readonly vote: Vote }
  | {
      readonly kind: "catchUp";
      readonly height: number;
      readonly round: number;
      readonly proposals: readonly ProposalMessage[];
      readonly votes: readonly Vote[];
    }
  | { readonly kind: "decisions"; readonly decisions: readonly Decision[] }
  /** Double-sign evidence an honest node holds: sent when it is new, and again with every catch-up round. */
  | { readonly kind: "evidence"; readonly evidence: readonly DuplicateVoteEvidence[] };

// Messages are frozen objects that gossip hands around many times: each one's key is built once (building and
// hashing these long strings again on every delivery was the simulation's largest cost).
const keys = new WeakMap<Vote | Proposal, string>();

export function voteKey(v: Vote): string {
  let key = keys.get(v);
  if (key === undefined) {
    key = `v${v.type}|${v.height}|${v.round}|${v.validator}|${v.blockHash}|${v.signature}`;
    keys.set(v, key);
  }
  return key;
}

export function proposalKey(p: Proposal): string {
  let key = keys.get(p);
  if (key === undefined) {
    key = `p|${p.height}|${p.round}|${p.polRound}|${p.proposer}|${p.blockHash}|${p.signature}`;
    keys.set(p, key);
  }
  return key;
}

/** One line per message, for traces: short enough to read, precise enough to hash. */
export function describeMessage(m: SimMessage): string {
  switch (m.kind) {
    case "proposal": {
      const p = m.message.proposal;
      return `proposal h${p.height}r${p.round} pol${p.polRound} ${p.blockHash.slice(0, 10)} by ${p.proposer.slice(0, 8)}`;
    }
    case "vote": {
      const v = m.vote;
      const what = v.type === VoteType.Prevote ? "prevote" : "precommit";
      return `${what} h${v.height}r${v.round} ${v.blockHash === null ? "nil" : v.blockHash.slice(0, 10)} by ${v.validator.slice(0, 8)}`;
    }
    case "catchUp":
      return `catchUp h${m.height}r${m.round} ${m.proposals.length}p ${m.votes.length}v`;
    case "decisions":
      return `decisions ${m.decisions.map((d) => d.commit.height).join(",")}`;
    case "evidence":
      return `evidence ${m.evidence.map((e) => `${e.voteA.validator.slice(0, 8)}@${e.voteA.height}`).join(",")}`;
  }
}

/**
 * What the network carries. `side` is only set by a split-brain byzantine node talking to another one, so
 * the receiver hands the message to its own face on the same side of the partition.
 */
export interface Packet {
  readonly message: SimMessage;
  readonly side?: number;
}
