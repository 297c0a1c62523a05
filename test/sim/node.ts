import type { ConsensusEngine, TimeoutConfig } from "../../node/consensus/messages.ts";
import type { Address, Hex } from "../../node/crypto/index.ts";
import { blockDefect, makeBlock, type SimBlock } from "./block.ts";
import { SimEvidence } from "./evidence.ts";
import type { Observer, ReplicaId } from "./observer.ts";
import { Replica, type ReplicaPolicy } from "./replica.ts";
import type { Rng } from "./rng.ts";
import type { Scheduler } from "./scheduler.ts";
import type { SigningScheme } from "./signing.ts";
import type { ValidatorSchedule } from "./validators.ts";
import type { Packet, SimMessage } from "./wire.ts";

/** One simulated validator as the network sees it. */
export interface SimNode {
  readonly index: number;
  readonly honest: boolean;
  start(): void;
  receive(from: number, packet: Packet): void;
  /** Highest height this node has committed (for a byzantine node with faces: the furthest face). */
  committedHeight(): number;
}

/** What every node of a scenario is built from. */
export interface NodeSetup {
  readonly index: number;
  readonly chainId: bigint;
  readonly privateKey: Hex;
  readonly address: Address;
  readonly nodeCount: number;
  /** Every node's validator address, by node index. */
  readonly addresses: readonly Address[];
  readonly scheduler: Scheduler;
  readonly scheme: SigningScheme;
  readonly validators: ValidatorSchedule;
  readonly timeouts: TimeoutConfig;
  readonly gossipIntervalMs: number;
  readonly observer: Observer;
  readonly rng: Rng;
  readonly newEngine: () => ConsensusEngine<SimBlock>;
  readonly isValidator: (address: Address) => boolean;
  readonly send: (from: number, to: number, packet: Packet) => void;
}

export function otherNodes(setup: NodeSetup): number[] {
  return Array.from({ length: setup.nodeCount }, (_, i) => i).filter((i) => i !== setup.index);
}

export function newReplica(
  setup: NodeSetup,
  id: ReplicaId,
  peers: readonly number[],
  send: (to: number, message: SimMessage) => void,
  makePolicy: (replica: Replica) => ReplicaPolicy,
  evidence?: SimEvidence,
): Replica {
  return new Replica(
    {
      id,
      privateKey: setup.privateKey,
      address: setup.address,
      engine: setup.newEngine(),
      scheduler: setup.scheduler,
      scheme: setup.scheme,
      validators: setup.validators,
      timeouts: setup.timeouts,
      gossipIntervalMs: setup.gossipIntervalMs,
      observer: setup.observer,
      peers,
      send,
      ...(evidence && { evidence }),
    },
    makePolicy,
  );
}

/**
 * How an honest node treats evidence; anything but "full" is a fault planted by a test to show the checker
 * notices: "unchecked" takes any evidence in a proposed block, "withheld" never proposes any.
 */
export type HonestEvidence = "full" | "unchecked" | "withheld";

/**
 * A correct validator: builds valid blocks carrying the evidence it holds, accepts only valid ones (their
 * evidence included), tells every peer the same thing.
 */
export function createHonestNode(setup: NodeSetup, evidenceMode: HonestEvidence = "full"): SimNode {
  const { index, address, rng } = setup;
  const peers = otherNodes(setup);
  const send = (to: number, message: SimMessage): void => setup.send(index, to, { message });
  const broadcast = (message: SimMessage): void => {
    for (const peer of peers) send(peer, message);
  };
  const evidence = new SimEvidence({
    chainId: setup.chainId,
    verifier: setup.scheme.verifier,
    validators: setup.validators,
  });
  const id = { node: index, label: `n${index}`, honest: true };
  const policy = (): ReplicaPolicy => ({
    buildBlock: async (height, round, parentHash) => {
      const payload = `txs:n${index}:h${height}:r${round}:${rng.u32().toString(16)}`;
      return makeBlock({
        height,
        parentHash,
        proposer: address,
        payload,
        evidence: evidenceMode === "withheld" ? [] : await evidence.toInclude(height),
      });
    },
    accepts: async (block, height, parentHash) =>
      blockDefect(block, height, parentHash, setup.isValidator) === null &&
      (evidenceMode === "unchecked" || (await evidence.defect(block.evidence, height)) === null),
    publishProposal: (message) => broadcast({ kind: "proposal", message }),
    publishVote: (vote) => broadcast({ kind: "vote", vote }),
  });
  const replica = newReplica(setup, id, peers, send, policy, evidence);
  return {
    index,
    honest: true,
    start: () => replica.start(),
    receive: (from, packet) => replica.receive(from, packet.message),
    committedHeight: () => replica.lastCommittedHeight,
  };
}
