import type { Address, Hex } from "../../node/crypto/index.ts";
import type { Proposal, Vote } from "../../node/types/shapes.ts";
import type { SimBlock } from "./block.ts";
import type { CommitRecord, EvidenceRecord, Observer, ReplicaId } from "./observer.ts";
import type { TraceHash } from "./trace.ts";

export interface SignedVoteRecord {
  readonly by: ReplicaId;
  readonly vote: Vote;
}

export interface SignedProposalRecord {
  readonly by: ReplicaId;
  readonly proposal: Proposal;
}

export interface HeardVoteRecord {
  readonly by: ReplicaId;
  readonly vote: Vote;
  readonly timeMs: number;
}

export interface IncidentRecord {
  readonly by: ReplicaId;
  readonly what: string;
  readonly timeMs: number;
}

/** Raw facts of one run, collected as they happen, for the checker to judge afterwards. */
export interface Observations {
  readonly commits: CommitRecord[];
  readonly evidence: EvidenceRecord[];
  /** Only honest replicas' signatures: those must never conflict. */
  readonly honestVotes: SignedVoteRecord[];
  readonly honestProposals: SignedProposalRecord[];
  /** Votes of byzantine validators that honest engines took in: where the checker finds the double signs. */
  readonly heardVotes: HeardVoteRecord[];
  /** Every block anyone signed a proposal for: the "was proposed" half of validity. */
  readonly proposedBlocks: Map<Hex, SimBlock>;
  readonly crashes: IncidentRecord[];
  readonly anomalies: IncidentRecord[];
}

export class Recorder implements Observer {
  readonly observations: Observations = {
    commits: [],
    evidence: [],
    honestVotes: [],
    honestProposals: [],
    heardVotes: [],
    proposedBlocks: new Map(),
    crashes: [],
    anomalies: [],
  };

  constructor(
    private readonly now: () => number,
    private readonly traceHash: TraceHash,
    private readonly log: ((line: string) => void) | undefined,
    /** Whose heard votes to keep: the byzantine validators (honest ones never double sign, checkSigning says). */
    private readonly suspects: ReadonlySet<Address> = new Set(),
  ) {}

  /** Also used for network deliveries: one fingerprinted, optionally printed, line per happening. */
  line(who: string, text: string): void {
    const line = `${this.now().toFixed(3)} ${who} ${text}`;
    this.traceHash.add(line);
    this.log?.(line);
  }

  trace(by: ReplicaId, line: string): void {
    this.line(by.label, line);
  }

  signedVote(by: ReplicaId, vote: Vote): void {
    if (by.honest) this.observations.honestVotes.push({ by, vote });
  }

  signedProposal(by: ReplicaId, proposal: Proposal, block: SimBlock): void {
    this.observations.proposedBlocks.set(proposal.blockHash, block);
    if (by.honest) this.observations.honestProposals.push({ by, proposal });
  }

  committed(record: CommitRecord): void {
    this.observations.commits.push(record);
  }

  evidence(record: EvidenceRecord): void {
    this.observations.evidence.push(record);
  }

  heardVote(by: ReplicaId, vote: Vote): void {
    if (this.suspects.has(vote.validator))
      this.observations.heardVotes.push({ by, vote, timeMs: this.now() });
  }

  crashed(by: ReplicaId, error: unknown): void {
    const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    this.observations.crashes.push({ by, what, timeMs: this.now() });
    this.line(by.label, `CRASH ${what}`);
  }

  anomaly(by: ReplicaId, what: string): void {
    this.observations.anomalies.push({ by, what, timeMs: this.now() });
    this.line(by.label, `ANOMALY ${what}`);
  }
}
