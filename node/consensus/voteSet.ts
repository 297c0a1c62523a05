import type { Address, Hex } from "../crypto/index.ts";
import { NIL_HASH, VoteType } from "../crypto/index.ts";
import type { DuplicateVoteEvidence, Vote } from "../types/shapes.ts";

/** Key of a vote's value in tallies: the block hash, or the zero hash for nil. */
export function valueKey(blockHash: Hex | null): Hex {
  return blockHash ?? NIL_HASH;
}

/**
 * How many distinct values one validator may have counted per (round, type). The first conflicting vote is
 * kept (and reported as evidence) so an equivocator's vote still counts towards the value the honest majority
 * sees; further ones are dropped so a byzantine validator cannot grow our memory.
 */
const MAX_VALUES_PER_VALIDATOR = 2;

/**
 * Rounds beyond round + 1 in which one validator may hold votes. Correct validators move through rounds in
 * order, so two slots suffice for us to follow them; a byzantine one cannot spray votes over many rounds.
 */
const MAX_FUTURE_ROUNDS_PER_VALIDATOR = 2;

/** Votes of one type in one round, with power tallied per value in bigint. */
export class RoundVotes {
  private readonly byValidator = new Map<Address, Vote[]>();
  private readonly powerByValue = new Map<Hex, bigint>();
  private anyPower = 0n;

  /** Power of the distinct validators that voted anything. */
  get totalVoted(): bigint {
    return this.anyPower;
  }

  powerFor(blockHash: Hex | null): bigint {
    return this.powerByValue.get(valueKey(blockHash)) ?? 0n;
  }

  /** Values (block hash or NIL_HASH) with their tallied power. */
  tallies(): [Hex, bigint][] {
    return [...this.powerByValue.entries()];
  }

  votes(): Vote[] {
    return [...this.byValidator.values()].flat();
  }

  votesFor(blockHash: Hex | null): Vote[] {
    const key = valueKey(blockHash);
    return this.votes().filter((v) => valueKey(v.blockHash) === key);
  }

  /** Whether this very vote (same value and signature) is already held. */
  has(vote: Vote): boolean {
    return (this.byValidator.get(vote.validator) ?? []).some(
      (v) => v.blockHash === vote.blockHash && v.signature === vote.signature,
    );
  }

  /** Returns the earlier vote this one conflicts with, if any, so the caller can produce evidence. */
  add(vote: Vote, power: bigint): { added: boolean; conflictsWith?: Vote } {
    const existing = this.byValidator.get(vote.validator) ?? [];
    const key = valueKey(vote.blockHash);
    if (existing.some((v) => valueKey(v.blockHash) === key)) return { added: false };
    const first = existing[0];
    if (existing.length >= MAX_VALUES_PER_VALIDATOR)
      return { added: false, ...(first && { conflictsWith: first }) };
    if (existing.length === 0) this.anyPower += power;
    this.byValidator.set(vote.validator, [...existing, vote]);
    this.powerByValue.set(key, (this.powerByValue.get(key) ?? 0n) + power);
    return first ? { added: true, conflictsWith: first } : { added: true };
  }
}

/** All votes of one height, by round and type, with the bounds that keep a byzantine peer from growing it. */
export class HeightVotes {
  private readonly rounds = new Map<number, { prevotes: RoundVotes; precommits: RoundVotes }>();
  private readonly roundsByValidator = new Map<Address, Set<number>>();

  constructor(readonly height: number) {}

  get(round: number, type: VoteType): RoundVotes | undefined {
    const entry = this.rounds.get(round);
    return type === VoteType.Prevote ? entry?.prevotes : entry?.precommits;
  }

  /** Rounds that hold any vote, ascending. */
  roundNumbers(): number[] {
    return [...this.rounds.keys()].sort((a, b) => a - b);
  }

  /** Power of distinct validators that voted anything in the round: the f+1 test for skipping ahead. */
  participation(round: number, powerOf: (a: Address) => bigint): bigint {
    const entry = this.rounds.get(round);
    if (!entry) return 0n;
    const seen = new Set([...entry.prevotes.votes(), ...entry.precommits.votes()].map((v) => v.validator));
    let power = 0n;
    for (const a of seen) power += powerOf(a);
    return power;
  }

  all(): Vote[] {
    return [...this.rounds.values()].flatMap((r) => [...r.prevotes.votes(), ...r.precommits.votes()]);
  }

  has(vote: Vote): boolean {
    return vote.height === this.height && (this.get(vote.round, vote.type)?.has(vote) ?? false);
  }

  add(
    vote: Vote,
    power: bigint,
    currentRound: number,
  ): { added: boolean; evidence?: DuplicateVoteEvidence; reason?: string } {
    if (vote.height !== this.height) return { added: false, reason: "wrong height" };
    const rounds = this.roundsByValidator.get(vote.validator) ?? new Set<number>();
    if (vote.round > currentRound + 1 && !rounds.has(vote.round)) {
      const future = [...rounds].filter((r) => r > currentRound + 1).length;
      if (future >= MAX_FUTURE_ROUNDS_PER_VALIDATOR)
        return { added: false, reason: "too many future rounds" };
    }
    let entry = this.rounds.get(vote.round);
    if (!entry) {
      entry = { prevotes: new RoundVotes(), precommits: new RoundVotes() };
      this.rounds.set(vote.round, entry);
    }
    const set = vote.type === VoteType.Prevote ? entry.prevotes : entry.precommits;
    const result = set.add(vote, power);
    if (result.added) {
      rounds.add(vote.round);
      this.roundsByValidator.set(vote.validator, rounds);
    }
    if (!result.conflictsWith) return { added: result.added };
    return { added: result.added, evidence: makeEvidence(result.conflictsWith, vote) };
  }
}

/** Evidence in canonical order: the vote whose value sorts lower first, so both orders give one encoding. */
export function makeEvidence(a: Vote, b: Vote): DuplicateVoteEvidence {
  return valueKey(a.blockHash) < valueKey(b.blockHash) ? { voteA: a, voteB: b } : { voteA: b, voteB: a };
}
