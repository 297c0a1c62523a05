import type { UnsignedVote } from "../../node/consensus/messages.ts";
import { makeEvidence } from "../../node/consensus/voteSet.ts";
import { type Address, bytesToHex, type Hex, VoteType } from "../../node/crypto/index.ts";
import type { DuplicateVoteEvidence, Vote } from "../../node/types/shapes.ts";
import { blockHash, makeBlock, POISON_PREFIX, type SimBlock } from "./block.ts";
import { EVIDENCE_AGE } from "./evidence.ts";
import { type NodeSetup, newReplica, otherNodes, type SimNode } from "./node.ts";
import type { ReplicaId } from "./observer.ts";
import type { Replica, ReplicaPolicy } from "./replica.ts";
import type { Rng } from "./rng.ts";
import type { ProposalMessage, SimMessage } from "./wire.ts";

/**
 * - equivocate: one engine, but every proposal gets a conflicting twin and a share of votes get one; peers are
 *   split so different peers see different messages (some see both, which is what evidence is made of).
 * - splitBrain: one full engine per side, each talking only to its side (and to the other byzantine nodes'
 *   same-side faces). Across a partition that matches the sides this is the attack that forks a chain when the
 *   byzantine power reaches 1/3.
 * - lockBreaker: aims at the locking rules. Its first precommit for a block at a height reaches one honest
 *   node only (the same one for every byzantine node; everyone else gets a nil twin), so that node may decide
 *   while the rest, locked, move on; it never decides itself, and only proposes fresh blocks (some claiming a
 *   proof-of-lock they lack), which locked validators must refuse.
 * - silent: never says anything (a crashed or withholding validator).
 * Any of the others may also fall silent from a given height on (`silentFromHeight`), and every block a
 * byzantine node builds may carry false evidence: a double sign of an honest validator, forged.
 */
export type ByzantineStrategy = "equivocate" | "splitBrain" | "lockBreaker" | "silent";

export interface ByzantineSpec {
  node: number;
  strategy: ByzantineStrategy;
  /** Chance that a block it builds (or a twin) breaks the validity rule. */
  invalidBlockProb: number;
  /** equivocate: chance that a vote gets a conflicting twin. */
  voteEquivocationProb: number;
  /** equivocate, lockBreaker: chance that a given peer gets nothing of a message (selective delivery). */
  withholdProb: number;
  /** splitBrain: the honest nodes each face talks to. */
  sides: number[][];
  /** Chance that a block it builds accuses an honest validator of a double sign it did not commit. */
  falseEvidenceProb: number;
  /** From this height on it sends nothing at all (absent: it never stops talking). */
  silentFromHeight?: number;
}

/** What a byzantine node's blocks are made from besides its setup: its spec and whom it can falsely accuse. */
interface Forge {
  readonly setup: NodeSetup;
  readonly spec: ByzantineSpec;
  readonly victims: readonly Address[];
}

export function createByzantineNode(
  setup: NodeSetup,
  spec: ByzantineSpec,
  byzantine: readonly number[],
): SimNode {
  if (spec.strategy === "silent")
    return { index: setup.index, honest: false, start() {}, receive() {}, committedHeight: () => 0 };
  const silentFrom = spec.silentFromHeight;
  let node: SimNode | undefined;
  // Muted at the source: whatever the strategy would say from that height on never reaches the network.
  const talking: NodeSetup =
    silentFrom === undefined
      ? setup
      : {
          ...setup,
          send: (from, to, packet) => {
            if ((node?.committedHeight() ?? 0) + 1 < silentFrom) setup.send(from, to, packet);
          },
        };
  const forge: Forge = {
    setup: talking,
    spec,
    victims: setup.addresses.filter((_, i) => !byzantine.includes(i)),
  };
  switch (spec.strategy) {
    case "equivocate":
      node = equivocator(forge);
      break;
    case "splitBrain":
      node = splitBrain(forge, byzantine);
      break;
    case "lockBreaker":
      node = lockBreaker(forge, byzantine);
      break;
  }
  return node;
}

function lockBreaker(forge: Forge, byzantine: readonly number[]): SimNode {
  const { setup, spec } = forge;
  const { index, rng } = setup;
  const id: ReplicaId = { node: index, label: `n${index}`, honest: false };
  const peers = otherNodes(setup);
  const honest = peers.filter((n) => !byzantine.includes(n));
  const send = (to: number, message: SimMessage): void => setup.send(index, to, { message });
  const broadcast = (m: SimMessage): void => {
    for (const peer of peers) send(peer, m);
  };
  const firstPrecommit = new Map<number, Hex>();
  const address = setup.address;
  const policy = (): ReplicaPolicy => ({
    buildBlock: (height, round, parentHash) =>
      byzantineBlock(forge, height, parentHash, `h${height}r${round}`),
    accepts: () => true,
    // Blind to others' precommits for blocks, so its engine never decides (it follows rounds by the f+1 skip
    // and heights by block sync) and is still around to push a conflicting block after an honest node decided.
    hears: (vote) =>
      vote.validator === address || vote.type !== VoteType.Precommit || vote.blockHash === null,
    publishProposal(message) {
      const p = message.proposal;
      // Never the valid value the engine wants to re-propose: a fresh block, bare or claiming a proof-of-lock
      // from the previous round that does not exist.
      const polRound = p.round > 0 && rng.chance(0.5) ? p.round - 1 : -1;
      if (p.polRound === -1 && polRound === -1) {
        broadcast({ kind: "proposal", message });
        return;
      }
      const block = byzantineBlock(forge, p.height, message.block.parentHash, `h${p.height}r${p.round}f`);
      const { signature: _signature, ...unsigned } = p;
      const fresh = setup.scheme.signProposal(setup.privateKey, {
        ...unsigned,
        polRound,
        blockHash: blockHash(block),
      });
      setup.observer.signedProposal(id, fresh, block);
      broadcast({ kind: "proposal", message: Object.freeze({ proposal: fresh, block }) });
    },
    publishVote(vote) {
      if (vote.type !== VoteType.Precommit || vote.blockHash === null || honest.length === 0) {
        broadcast({ kind: "vote", vote });
        return;
      }
      // The first block precommitted at a height goes to the chosen node only; any later, different block goes
      // to everyone else, so that if the others are talked out of their lock they can decide against it.
      const chosen = honest[(vote.height * 31) % honest.length] as number;
      const first = firstPrecommit.get(vote.height);
      if (first === undefined) firstPrecommit.set(vote.height, vote.blockHash);
      const onlyChosen = first === undefined || first === vote.blockHash;
      const { signature: _signature, ...unsigned } = vote;
      const nil = setup.scheme.signVote(setup.privateKey, { ...unsigned, blockHash: null });
      setup.observer.signedVote(id, nil);
      for (const peer of peers) {
        const real = byzantine.includes(peer) || (peer === chosen) === onlyChosen;
        if (real) send(peer, { kind: "vote", vote });
        else if (!rng.chance(spec.withholdProb)) send(peer, { kind: "vote", vote: nil });
      }
    },
  });
  const replica = newReplica(setup, id, peers, send, policy);
  return {
    index,
    honest: false,
    start: () => replica.start(),
    receive: (from, packet) => replica.receive(from, packet.message),
    committedHeight: () => replica.lastCommittedHeight,
  };
}

function equivocator(forge: Forge): SimNode {
  const { setup, spec } = forge;
  const { index, rng } = setup;
  const id: ReplicaId = { node: index, label: `n${index}`, honest: false };
  const peers = otherNodes(setup);
  const send = (to: number, message: SimMessage): void => setup.send(index, to, { message });
  /** Each peer gets a, b, both in a random order, or (withholding) nothing. */
  const splitSend = (a: SimMessage, b: SimMessage): void => {
    for (const peer of peers) {
      if (rng.chance(spec.withholdProb)) continue;
      const roll = rng.float();
      if (roll < 0.4) send(peer, a);
      else if (roll < 0.8) send(peer, b);
      else for (const m of rng.chance(0.5) ? [a, b] : [b, a]) send(peer, m);
    }
  };
  const broadcast = (m: SimMessage): void => {
    for (const peer of peers) if (!rng.chance(spec.withholdProb)) send(peer, m);
  };
  const policy = (replica: Replica): ReplicaPolicy => ({
    buildBlock: (height, round, parentHash) =>
      byzantineBlock(forge, height, parentHash, `h${height}r${round}a`),
    accepts: () => true,
    publishProposal(message) {
      const p = message.proposal;
      const twinBlock = byzantineBlock(forge, p.height, message.block.parentHash, `h${p.height}r${p.round}b`);
      // A fresh twin tempts locked validators to unlock; one claiming a POL it lacks tempts them to skip the check.
      const polRound = rng.pick([-1, p.polRound, p.round - 1]);
      const twin = setup.scheme.signProposal(setup.privateKey, {
        height: p.height,
        round: p.round,
        polRound,
        blockHash: blockHash(twinBlock),
        proposer: p.proposer,
      });
      setup.observer.signedProposal(id, twin, twinBlock);
      const twinMessage: ProposalMessage = Object.freeze({ proposal: twin, block: twinBlock });
      splitSend({ kind: "proposal", message }, { kind: "proposal", message: twinMessage });
    },
    publishVote(vote) {
      if (!rng.chance(spec.voteEquivocationProb)) {
        broadcast({ kind: "vote", vote });
        return;
      }
      const twin = setup.scheme.signVote(setup.privateKey, conflictingVote(vote, replica, rng));
      setup.observer.signedVote(id, twin);
      splitSend({ kind: "vote", vote }, { kind: "vote", vote: twin });
    },
  });
  const replica = newReplica(setup, id, peers, send, policy);
  return {
    index,
    honest: false,
    start: () => replica.start(),
    receive: (from, packet) => replica.receive(from, packet.message),
    committedHeight: () => replica.lastCommittedHeight,
  };
}

function splitBrain(forge: Forge, byzantine: readonly number[]): SimNode {
  const { setup, spec } = forge;
  const { index } = setup;
  const allies = byzantine.filter((n) => n !== index);
  const faces = spec.sides.map((side, s) => {
    const id: ReplicaId = { node: index, label: `n${index}${String.fromCharCode(97 + s)}`, honest: false };
    const peers = [...side.filter((n) => n !== index), ...allies];
    const send = (to: number, message: SimMessage): void => setup.send(index, to, { message, side: s });
    const broadcast = (m: SimMessage): void => {
      for (const peer of peers) send(peer, m);
    };
    return newReplica(setup, id, peers, send, () => ({
      buildBlock: (height, round, parentHash) =>
        byzantineBlock(forge, height, parentHash, `h${height}r${round}${id.label}`),
      accepts: () => true,
      publishProposal: (message) => broadcast({ kind: "proposal", message }),
      publishVote: (vote) => broadcast({ kind: "vote", vote }),
    }));
  });
  const sideOf = new Map<number, number>();
  spec.sides.forEach((side, s) => {
    for (const n of side) sideOf.set(n, s);
  });
  return {
    index,
    honest: false,
    start: () => {
      for (const face of faces) face.start();
    },
    receive: (from, packet) => faces[packet.side ?? sideOf.get(from) ?? 0]?.receive(from, packet.message),
    committedHeight: () => Math.max(0, ...faces.map((f) => f.lastCommittedHeight)),
  };
}

/**
 * A block that looks normal or, with the spec's probabilities, breaks one of the validity rules or carries
 * false evidence.
 */
function byzantineBlock(forge: Forge, height: number, parentHash: Hex, tag: string): SimBlock {
  const { setup, spec } = forge;
  const { rng, address, index } = setup;
  const payload = `byz:n${index}:${tag}:${rng.u32().toString(16)}`;
  const evidence = rng.chance(spec.falseEvidenceProb) ? falseEvidence(forge, height) : [];
  if (!rng.chance(spec.invalidBlockProb))
    return makeBlock({ height, parentHash, proposer: address, payload, evidence });
  switch (rng.int(0, 2)) {
    case 0:
      return makeBlock({
        height,
        parentHash,
        proposer: address,
        payload: `${POISON_PREFIX}${payload}`,
        evidence,
      });
    case 1:
      return makeBlock({ height, parentHash: randomHash(rng), proposer: address, payload, evidence });
    default:
      return makeBlock({ height: height + 1, parentHash, proposer: address, payload, evidence });
  }
}

/**
 * Two conflicting prevotes of an honest validator at a recent committed height, in canonical order (so only
 * the signatures give them away): signed with the forger's own key, which is all it has.
 */
function falseEvidence(forge: Forge, height: number): DuplicateVoteEvidence[] {
  const { setup, victims } = forge;
  const { rng } = setup;
  if (height < 2 || victims.length === 0) return [];
  const victim = rng.pick(victims);
  const at = rng.int(Math.max(1, height - EVIDENCE_AGE), height - 1);
  const round = rng.int(0, 2);
  const vote = (blockHashValue: Hex | null): Vote =>
    setup.scheme.signVote(setup.privateKey, {
      type: VoteType.Prevote,
      height: at,
      round,
      blockHash: blockHashValue,
      validator: victim,
    });
  return [makeEvidence(vote(randomHash(rng)), vote(null))];
}

/** Same (height, round, type), another block: one somebody proposed, nil, or one nobody has. */
function conflictingVote(vote: Vote, replica: Replica, rng: Rng): UnsignedVote {
  const options: (Hex | null)[] = replica.knownBlockHashes(vote.height, vote.round);
  options.push(null, randomHash(rng));
  const alternatives = options.filter((h) => h !== vote.blockHash);
  const { signature: _signature, ...unsigned } = vote;
  return { ...unsigned, blockHash: rng.pick(alternatives) };
}

function randomHash(rng: Rng): Hex {
  const bytes = new Uint8Array(32);
  for (let i = 0; i < 32; i += 4) new DataView(bytes.buffer).setUint32(i, rng.u32());
  return bytesToHex(bytes);
}
