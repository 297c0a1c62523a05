import { type Address, type Hex, hashValidatorSet, isAddress } from "../crypto/index.ts";
import type { Validator } from "../types/shapes.ts";
import {
  incrementProposerPriority,
  indexOfMostPriority,
  isInt64,
  MAX_INCREMENT_TIMES,
  MAX_TOTAL_VOTING_POWER,
  newValidatorPriority,
  PRIORITY_WINDOW_SIZE_FACTOR,
  type PriorityState,
  rescalePriorities,
  shiftByAveragePriority,
  type ValidatorPriority,
} from "./proposerPriority.ts";

export { MAX_TOTAL_VOTING_POWER, type ValidatorPriority } from "./proposerPriority.ts";

export type ValidatorSetErrorCode =
  | "empty"
  | "invalid-address"
  | "duplicate"
  | "invalid-power"
  | "power-overflow"
  | "unknown-validator"
  | "empty-result"
  | "invalid-priority"
  | "invalid-proposer"
  | "invalid-round";

export class ValidatorSetError extends Error {
  override readonly name = "ValidatorSetError";
  readonly code: ValidatorSetErrorCode;

  constructor(code: ValidatorSetErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * Everything needed to rebuild a set exactly: CometBFT persists the proposer alongside the priorities because the
 * validator elected by the last increment cannot be recovered from the priorities alone.
 */
export interface ValidatorSetSnapshot {
  validators: ValidatorPriority[];
  /** The validator elected by the increment that produced these priorities; null if none was recorded. */
  proposer: Address | null;
}

interface RoundSequence {
  /** Priorities after proposers.length - 1 further stepwise increments. */
  readonly state: PriorityState;
  /** proposers[r] is the proposer of round r. */
  readonly proposers: Address[];
}

const byAddress = (a: { address: Address }, b: { address: Address }): number =>
  a.address < b.address ? -1 : a.address > b.address ? 1 : 0;

/**
 * The validators of one height with their CometBFT proposer priorities. Immutable: every transition returns a new
 * set. Validators are ordered by address ascending (CometBFT orders by power, but no result of the algorithm
 * depends on the order: ties are broken by address, and sums, extremes and per-validator updates commute).
 */
export class ValidatorSet {
  /** Sorted by address ascending. */
  readonly validators: readonly Validator[];
  readonly totalPower: bigint;
  readonly #priorities: readonly bigint[];
  /** Index of the recorded proposer (CometBFT ValidatorSet.Proposer), or -1. */
  readonly #proposerIndex: number;
  readonly #indexByAddress: ReadonlyMap<Address, number>;
  #hash: Hex | undefined;
  #rounds: RoundSequence | undefined;

  private constructor(entries: readonly ValidatorPriority[], totalPower: bigint, proposerIndex: number) {
    this.validators = Object.freeze(
      entries.map((e) => Object.freeze({ address: e.address, power: e.power })),
    );
    this.#priorities = Object.freeze(entries.map((e) => e.priority));
    this.totalPower = totalPower;
    this.#proposerIndex = proposerIndex;
    this.#indexByAddress = new Map(entries.map((e, i) => [e.address, i]));
  }

  /**
   * CometBFT NewValidatorSet: the validators enter an empty set as one change set (zero powers rejected), then
   * priorities are incremented once, so the fresh set already has a proposer for round 0.
   */
  static create(validators: Validator[]): ValidatorSet {
    if (!Array.isArray(validators) || validators.length === 0) {
      throw new ValidatorSetError("empty", "a validator set needs at least one validator");
    }
    const entries = applyChangeSet([], 0n, validators, false);
    return ValidatorSet.#incremented(entries, sumPowers(entries), 1);
  }

  /**
   * Rebuilds a persisted set without touching its priorities (CometBFT ValidatorSetFromProto): no centring, no
   * rescaling, no increment.
   */
  static restore(snapshot: ValidatorSetSnapshot): ValidatorSet {
    const list = snapshot?.validators;
    if (!Array.isArray(list) || list.length === 0) {
      throw new ValidatorSetError("empty", "a validator set needs at least one validator");
    }
    const entries = list.map((v) => {
      checkAddress(v.address);
      if (typeof v.power !== "bigint" || v.power <= 0n) {
        throw new ValidatorSetError("invalid-power", `validator ${v.address} needs a positive bigint power`);
      }
      if (typeof v.priority !== "bigint" || !isInt64(v.priority)) {
        throw new ValidatorSetError(
          "invalid-priority",
          `validator ${v.address} priority must be an int64 bigint`,
        );
      }
      return { address: v.address, power: v.power, priority: v.priority };
    });
    entries.sort(byAddress);
    checkNoDuplicates(entries);
    const total = sumPowers(entries);
    let proposerIndex = -1;
    if (snapshot.proposer !== null) {
      proposerIndex = entries.findIndex((e) => e.address === snapshot.proposer);
      if (proposerIndex < 0) {
        throw new ValidatorSetError(
          "invalid-proposer",
          `proposer ${String(snapshot.proposer)} is not in the set`,
        );
      }
    }
    return new ValidatorSet(entries, total, proposerIndex);
  }

  get size(): number {
    return this.validators.length;
  }

  powerOf(address: Address): bigint {
    const i = this.#indexByAddress.get(address);
    return i === undefined ? 0n : (this.validators[i] as Validator).power;
  }

  has(address: Address): boolean {
    return this.#indexByAddress.has(address);
  }

  /** The current proposer priority of a member, or undefined for a non-member. */
  priorityOf(address: Address): bigint | undefined {
    const i = this.#indexByAddress.get(address);
    return i === undefined ? undefined : this.#priorities[i];
  }

  /** Addresses, powers and priorities, sorted by address. Fresh objects; mutating them does not affect the set. */
  priorities(): ValidatorPriority[] {
    return this.validators.map((v, i) => ({
      address: v.address,
      power: v.power,
      priority: this.#priorities[i] as bigint,
    }));
  }

  snapshot(): ValidatorSetSnapshot {
    const proposer =
      this.#proposerIndex < 0 ? null : (this.validators[this.#proposerIndex] as Validator).address;
    return { validators: this.priorities(), proposer };
  }

  /** Same validators, powers, priorities and recorded proposer. */
  equals(other: ValidatorSet): boolean {
    if (other.size !== this.size || other.#proposerIndex !== this.#proposerIndex) return false;
    return this.validators.every((v, i) => {
      const o = other.validators[i] as Validator;
      return o.address === v.address && o.power === v.power && other.#priorities[i] === this.#priorities[i];
    });
  }

  /**
   * The proposer of round `round` at the height this set belongs to. Round 0 is the validator elected by the
   * increment that produced this set (CometBFT GetProposer; with no recorded election, the highest priority as
   * GetProposer's fallback picks). Round r > 0 is the proposer after r further IncrementProposerPriority(1) steps:
   * the priorities a CometBFT node holds when it reaches round r through round timeouts, one round at a time.
   * The sequence is cached lazily, so walking the rounds of a height costs O(n) per new round.
   */
  proposer(round: number): Address {
    if (!Number.isSafeInteger(round) || round < 0 || round > MAX_INCREMENT_TIMES) {
      throw new ValidatorSetError("invalid-round", `round must be an int32 >= 0, got ${round}`);
    }
    const rounds = this.#roundSequence();
    while (rounds.proposers.length <= round) {
      const elected = incrementProposerPriority(rounds.state, 1);
      rounds.proposers.push(rounds.state.addresses[elected] as Address);
    }
    return rounds.proposers[round] as Address;
  }

  /** CometBFT CopyIncrementProposerPriority(times): one rescale and centring, then `times` elections. */
  copyIncrementProposerPriority(times: number): ValidatorSet {
    if (!Number.isSafeInteger(times) || times <= 0 || times > MAX_INCREMENT_TIMES) {
      throw new ValidatorSetError("invalid-round", `increment times must be an int32 > 0, got ${times}`);
    }
    const incremented = ValidatorSet.#incremented(this.priorities(), this.totalPower, times);
    // The hash covers addresses and powers, not priorities: every height's set would otherwise re-hash it.
    incremented.#hash = this.#hash;
    return incremented;
  }

  /** The set for the next height: priorities incremented once (CometBFT CopyIncrementProposerPriority(1)). */
  next(): ValidatorSet {
    return this.copyIncrementProposerPriority(1);
  }

  /**
   * Applies power changes (power 0 removes), CometBFT UpdateWithChangeSet semantics: new validators enter at
   * -1.125 x the total power after updates and before removals, updated validators keep their priority, then the
   * priorities are rescaled into the 2 x total window and centred. No increment happens here; as in CometBFT's
   * state transition, the next height's set is `withUpdates(changes).next()`. An empty change list returns this set
   * unchanged (CometBFT returns before rescaling). The recorded proposer is kept while it remains a member, as
   * CometBFT keeps its Proposer field untouched; if it was removed, none is recorded.
   */
  withUpdates(changes: Validator[]): ValidatorSet {
    if (!Array.isArray(changes)) throw new ValidatorSetError("empty", "changes must be an array");
    if (changes.length === 0) return this;
    const entries = applyChangeSet(this.priorities(), this.totalPower, changes, true);
    const recorded = this.#proposerIndex < 0 ? undefined : this.validators[this.#proposerIndex]?.address;
    const proposerIndex = recorded === undefined ? -1 : entries.findIndex((e) => e.address === recorded);
    return new ValidatorSet(entries, sumPowers(entries), proposerIndex);
  }

  /** hashValidatorSet: keccak256 of the packed (address, uint64 power) entries; priorities are not committed to. */
  hash(): Hex {
    this.#hash ??= hashValidatorSet(this.validators);
    return this.#hash;
  }

  /** power * 3 > total * 2 */
  hasTwoThirds(power: bigint): boolean {
    return power * 3n > this.totalPower * 2n;
  }

  /** power * 3 > total: more than f, enough that one correct validator is among them. */
  hasOneThird(power: bigint): boolean {
    return power * 3n > this.totalPower;
  }

  #roundSequence(): RoundSequence {
    if (this.#rounds === undefined) {
      const state: PriorityState = {
        addresses: this.validators.map((v) => v.address),
        powers: this.validators.map((v) => v.power),
        priorities: [...this.#priorities],
        totalPower: this.totalPower,
      };
      const first = this.#proposerIndex >= 0 ? this.#proposerIndex : indexOfMostPriority(state);
      this.#rounds = { state, proposers: [state.addresses[first] as Address] };
    }
    return this.#rounds;
  }

  static #incremented(entries: ValidatorPriority[], totalPower: bigint, times: number): ValidatorSet {
    const state: PriorityState = {
      addresses: entries.map((e) => e.address),
      powers: entries.map((e) => e.power),
      priorities: entries.map((e) => e.priority),
      totalPower,
    };
    const elected = incrementProposerPriority(state, times);
    const next = entries.map((e, i) => ({ ...e, priority: state.priorities[i] as bigint }));
    return new ValidatorSet(next, totalPower, elected);
  }
}

function checkAddress(address: unknown): asserts address is Address {
  if (!isAddress(address)) {
    throw new ValidatorSetError(
      "invalid-address",
      `not a lowercase 20-byte hex address: ${JSON.stringify(address)?.slice(0, 60)}`,
    );
  }
}

function checkNoDuplicates(sorted: readonly { address: Address }[]): void {
  for (let i = 1; i < sorted.length; i++) {
    if ((sorted[i] as { address: Address }).address === (sorted[i - 1] as { address: Address }).address) {
      throw new ValidatorSetError(
        "duplicate",
        `duplicate validator ${(sorted[i] as { address: Address }).address}`,
      );
    }
  }
}

function sumPowers(entries: readonly { power: bigint }[]): bigint {
  let total = 0n;
  for (const e of entries) total += e.power;
  if (total > MAX_TOTAL_VOTING_POWER) {
    throw new ValidatorSetError("power-overflow", `total power ${total} exceeds ${MAX_TOTAL_VOTING_POWER}`);
  }
  return total;
}

/**
 * CometBFT updateWithChangeSet over address-sorted entries: validate and split the changes (processChanges),
 * refuse an empty result, verify removals and the total (verifyRemovals, verifyUpdates), price new validators
 * (computeNewPriorities), apply updates then removals, rescale and centre. The checks run in CometBFT's order so
 * the first error reported is the one CometBFT would report. Returns fresh, address-sorted entries.
 */
function applyChangeSet(
  current: readonly ValidatorPriority[],
  currentTotal: bigint,
  changes: readonly Validator[],
  allowDeletes: boolean,
): ValidatorPriority[] {
  const { updates, removals } = splitChanges(changes);
  if (!allowDeletes && removals.length > 0) {
    throw new ValidatorSetError("invalid-power", `validator ${removals[0]?.address} needs a positive power`);
  }

  const existing = new Map(current.map((e) => [e.address, e]));
  const added = updates.filter((u) => !existing.has(u.address)).length;
  if (added === 0 && current.length === removals.length) {
    throw new ValidatorSetError("empty-result", "applying the changes would leave the validator set empty");
  }

  let removedPower = 0n;
  for (const r of removals) {
    const e = existing.get(r.address);
    if (e === undefined)
      throw new ValidatorSetError("unknown-validator", `cannot remove unknown ${r.address}`);
    removedPower += e.power;
  }

  // Applying the updates in order of increasing power delta is what lets CometBFT accept a set that stays within
  // the maximum only once a decrease has been applied; checking every partial sum reproduces its verdict.
  const deltas = updates
    .map((u) => u.power - (existing.get(u.address)?.power ?? 0n))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let running = currentTotal - removedPower;
  for (const d of deltas) {
    running += d;
    if (running > MAX_TOTAL_VOTING_POWER) {
      throw new ValidatorSetError("power-overflow", `total power would exceed ${MAX_TOTAL_VOTING_POWER}`);
    }
  }
  const totalAfterUpdatesBeforeRemovals = running + removedPower;
  const entryPriority = newValidatorPriority(totalAfterUpdatesBeforeRemovals);

  const merged = new Map(existing);
  for (const u of updates) {
    const old = existing.get(u.address);
    merged.set(u.address, { address: u.address, power: u.power, priority: old?.priority ?? entryPriority });
  }
  for (const r of removals) merged.delete(r.address);

  const entries = [...merged.values()].map((e) => ({ ...e })).sort(byAddress);
  const priorities = entries.map((e) => e.priority);
  rescalePriorities(priorities, PRIORITY_WINDOW_SIZE_FACTOR * sumPowers(entries));
  shiftByAveragePriority(priorities);
  return entries.map((e, i) => ({ ...e, priority: priorities[i] as bigint }));
}

/** CometBFT processChanges: copy, sort by address, reject duplicates and out-of-range powers, split off removals. */
function splitChanges(changes: readonly Validator[]): { updates: Validator[]; removals: Validator[] } {
  const copies = changes.map((c) => {
    checkAddress(c?.address);
    if (typeof c.power !== "bigint") {
      throw new ValidatorSetError("invalid-power", `validator ${c.address} power must be a bigint`);
    }
    return { address: c.address, power: c.power };
  });
  copies.sort(byAddress);
  const updates: Validator[] = [];
  const removals: Validator[] = [];
  let previous: Address | undefined;
  for (const c of copies) {
    if (c.address === previous) throw new ValidatorSetError("duplicate", `duplicate change for ${c.address}`);
    if (c.power < 0n)
      throw new ValidatorSetError("invalid-power", `validator ${c.address} power is negative`);
    if (c.power > MAX_TOTAL_VOTING_POWER) {
      throw new ValidatorSetError(
        "power-overflow",
        `validator ${c.address} power exceeds ${MAX_TOTAL_VOTING_POWER}`,
      );
    }
    (c.power === 0n ? removals : updates).push(c);
    previous = c.address;
  }
  return { updates, removals };
}
