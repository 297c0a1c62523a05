import { type Address, type Hex, keccak256Hex } from "../crypto/index.ts";
import { type DuplicateVoteEvidence, encodeEvidence } from "../types/index.ts";

export interface EvidencePoolOptions {
  /** Pending evidence held at most; more is refused until blocks take some (CometBFT bounds its pool too). */
  maxPending: number;
  /** Keys of committed evidence remembered, so a late copy is not taken for new. */
  maxCommitted: number;
}

export const DEFAULT_EVIDENCE_POOL: EvidencePoolOptions = { maxPending: 1_000, maxCommitted: 10_000 };

export type AddOutcome = "added" | "known" | "full";

/**
 * Verified double-sign evidence waiting for a block, as CometBFT's evidence pool: bounded, one entry per
 * (validator, height) because the application punishes a height once, oldest first when a proposer draws.
 * Pure: verification, gossip and timing belong to the service around it.
 */
export class EvidencePool {
  private readonly pending = new Map<string, DuplicateVoteEvidence>();
  private readonly committed = new Set<string>();

  constructor(private readonly opts: EvidencePoolOptions = DEFAULT_EVIDENCE_POOL) {}

  get size(): number {
    return this.pending.size;
  }

  has(e: DuplicateVoteEvidence): boolean {
    const key = offenceKey(e);
    return this.pending.has(key) || this.committed.has(key);
  }

  add(e: DuplicateVoteEvidence): AddOutcome {
    if (this.has(e)) return "known";
    if (this.pending.size >= this.opts.maxPending) return "full";
    this.pending.set(offenceKey(e), e);
    return "added";
  }

  /** Pending evidence, oldest height first, at most one per validator (a second would be punished already). */
  take(max: number): DuplicateVoteEvidence[] {
    const sorted = [...this.pending.values()].sort((a, b) => a.voteA.height - b.voteA.height);
    const out: DuplicateVoteEvidence[] = [];
    const offenders = new Set<Address>();
    for (const e of sorted) {
      if (out.length >= max) break;
      if (offenders.has(e.voteA.validator)) continue;
      offenders.add(e.voteA.validator);
      out.push(e);
    }
    return out;
  }

  all(): DuplicateVoteEvidence[] {
    return [...this.pending.values()];
  }

  /** A block carried these: they leave the pool and are remembered as done. */
  markCommitted(list: readonly DuplicateVoteEvidence[]): void {
    for (const e of list) {
      const key = offenceKey(e);
      this.pending.delete(key);
      this.committed.add(key);
    }
    // A Set iterates in insertion order, so the oldest keys go first.
    for (const key of this.committed) {
      if (this.committed.size <= this.opts.maxCommitted) break;
      this.committed.delete(key);
    }
  }

  /** Drops what can no longer go into a block (too old, its offender punished meanwhile). */
  remove(e: DuplicateVoteEvidence): void {
    this.pending.delete(offenceKey(e));
  }
}

/** One offence per validator and height: two rounds' equivocations at one height are punished once. */
function offenceKey(e: DuplicateVoteEvidence): string {
  return `${e.voteA.validator}:${e.voteA.height}`;
}

/** The evidence's hash: keccak256 of its canonical encoding (voteA sorts first), for logs and RPC. */
export function evidenceHash(e: DuplicateVoteEvidence): Hex {
  return keccak256Hex(encodeEvidence(e));
}
