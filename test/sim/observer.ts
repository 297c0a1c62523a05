import type { Hex } from "../../node/crypto/index.ts";
import type { Commit, DuplicateVoteEvidence, Proposal, Vote } from "../../node/types/shapes.ts";
import type { SimBlock } from "./block.ts";

/** Who did something: a node index, and a label that tells a byzantine node's faces apart ("n3", "n3b"). */
export interface ReplicaId {
  readonly node: number;
  readonly label: string;
  readonly honest: boolean;
}

export interface CommitRecord {
  readonly by: ReplicaId;
  readonly height: number;
  readonly blockHash: Hex;
  readonly block: SimBlock;
  readonly commit: Commit;
  readonly timeMs: number;
}

export interface EvidenceRecord {
  readonly by: ReplicaId;
  readonly evidence: DuplicateVoteEvidence;
  readonly timeMs: number;
}

/** Everything the checker later judges is reported here as it happens. */
export interface Observer {
  trace(by: ReplicaId, line: string): void;
  signedVote(by: ReplicaId, vote: Vote): void;
  signedProposal(by: ReplicaId, proposal: Proposal, block: SimBlock): void;
  committed(record: CommitRecord): void;
  evidence(record: EvidenceRecord): void;
  /**
   * A vote an honest engine took in at its own height, before deciding it: a conflicting pair of these is a
   * double sign the engine must notice, so the checker expects it to end up in a block.
   */
  heardVote(by: ReplicaId, vote: Vote): void;
  crashed(by: ReplicaId, error: unknown): void;
  /** An engine action the driver could not honour (e.g. a commit without the proposal it names). */
  anomaly(by: ReplicaId, what: string): void;
}
