import type { Address } from "../crypto/index.ts";

/**
 * CometBFT's weighted round-robin proposer priorities (spec/consensus/proposer-selection.md, types/validator_set.go),
 * as pure functions over a mutable working state. Priorities are int64 in CometBFT; we carry them as bigint and
 * reproduce the int64 behaviour (clipping, truncating division, wraparound) wherever the Go code would exhibit it,
 * so that any set reachable in CometBFT gives bit-identical priorities here.
 */

export const MAX_INT64 = (1n << 63n) - 1n;
export const MIN_INT64 = -(1n << 63n);

/** An eighth of MaxInt64 keeps 1.125 x total and the rescaling arithmetic clear of int64 overflow. */
export const MAX_TOTAL_VOTING_POWER = MAX_INT64 / 8n;

/** Priorities are kept within this multiple of the total power of each other. */
export const PRIORITY_WINDOW_SIZE_FACTOR = 2n;

/** CometBFT's round is an int32, which bounds how far one IncrementProposerPriority call may go. */
export const MAX_INCREMENT_TIMES = 2 ** 31 - 1;

export interface ValidatorPriority {
  address: Address;
  power: bigint;
  priority: bigint;
}

/**
 * The working state of a priority computation: addresses and powers are fixed, priorities change in place.
 * Only the functions of this module mutate it; ValidatorSet never exposes one.
 */
export interface PriorityState {
  readonly addresses: readonly Address[];
  readonly powers: readonly bigint[];
  readonly priorities: bigint[];
  readonly totalPower: bigint;
}

export function isInt64(value: bigint): boolean {
  return value >= MIN_INT64 && value <= MAX_INT64;
}

/** Go: safeAddClip. Saturates at the int64 bounds instead of wrapping. */
export function safeAddClip(a: bigint, b: bigint): bigint {
  const sum = a + b;
  if (sum > MAX_INT64) return MAX_INT64;
  if (sum < MIN_INT64) return MIN_INT64;
  return sum;
}

/** Go: safeSubClip. */
export function safeSubClip(a: bigint, b: bigint): bigint {
  const diff = a - b;
  if (diff > MAX_INT64) return MAX_INT64;
  if (diff < MIN_INT64) return MIN_INT64;
  return diff;
}

/**
 * Go: computeAvgProposerPriority. The sum is taken in big.Int and divided with big.Int.Div, which is Euclidean
 * division; with a positive divisor that is floor division. This differs from int64 `/` (truncation) for negative
 * sums: an average of -13/3 is -5 here, not -4.
 */
export function averagePriority(priorities: readonly bigint[]): bigint {
  const n = BigInt(priorities.length);
  let sum = 0n;
  for (const p of priorities) sum += p;
  // bigint `/` truncates toward zero; step down once for a negative inexact quotient to get the floor.
  let avg = sum / n;
  if (sum % n !== 0n && sum < 0n) avg -= 1n;
  // The mean of int64 values is an int64; Go panics otherwise, so do we.
  if (!isInt64(avg)) throw new RangeError(`average proposer priority ${avg} is not an int64`);
  return avg;
}

/**
 * Go: computeMaxMinPriorityDiff. `max - min` is an int64 subtraction that may wrap, and the negation of a negative
 * result may wrap again; asIntN reproduces both. Priorities reachable under MAX_TOTAL_VOTING_POWER never get there.
 */
export function maxMinPriorityDiff(priorities: readonly bigint[]): bigint {
  let max = MIN_INT64;
  let min = MAX_INT64;
  for (const p of priorities) {
    if (p < min) min = p;
    if (p > max) max = p;
  }
  const diff = BigInt.asIntN(64, max - min);
  return diff < 0n ? BigInt.asIntN(64, -diff) : diff;
}

/**
 * Go: RescalePriorities. Divides every priority by ceil(diff / diffMax) when the spread exceeds diffMax. Both
 * divisions are int64 `/`, which truncates toward zero: negative priorities move up, not down, and bigint `/`
 * has the same semantics.
 */
export function rescalePriorities(priorities: bigint[], diffMax: bigint): void {
  // CometBFT skips a non-positive window rather than dividing by it.
  if (diffMax <= 0n) return;
  const diff = maxMinPriorityDiff(priorities);
  const ratio = BigInt.asIntN(64, diff + diffMax - 1n) / diffMax;
  if (diff > diffMax) {
    for (let i = 0; i < priorities.length; i++) priorities[i] = (priorities[i] as bigint) / ratio;
  }
}

/** Go: shiftByAvgProposerPriority. Re-centres the priorities so their sum stays in [0, n). */
export function shiftByAveragePriority(priorities: bigint[]): void {
  const avg = averagePriority(priorities);
  for (let i = 0; i < priorities.length; i++) priorities[i] = safeSubClip(priorities[i] as bigint, avg);
}

/**
 * Go: getValWithMostPriority with Validator.CompareProposerPriority. Equal priorities go to the lower address
 * (byte order; lowercase hex of equal length compares the same way as strings).
 */
export function indexOfMostPriority(state: PriorityState): number {
  let best = 0;
  for (let i = 1; i < state.priorities.length; i++) {
    const p = state.priorities[i] as bigint;
    const b = state.priorities[best] as bigint;
    if (p > b || (p === b && (state.addresses[i] as Address) < (state.addresses[best] as Address))) best = i;
  }
  return best;
}

/** Go: incrementProposerPriority (one run, no rescaling or centring). Returns the elected index. */
export function incrementOnce(state: PriorityState): number {
  const { priorities, powers } = state;
  for (let i = 0; i < priorities.length; i++) {
    priorities[i] = safeAddClip(priorities[i] as bigint, powers[i] as bigint);
  }
  const elected = indexOfMostPriority(state);
  priorities[elected] = safeSubClip(priorities[elected] as bigint, state.totalPower);
  return elected;
}

/**
 * Go: IncrementProposerPriority(times). Rescale and centre happen once, before all `times` runs, so one call with
 * times = k is not in general the same as k calls with times = 1. Returns the index elected by the last run.
 */
export function incrementProposerPriority(state: PriorityState, times: number): number {
  if (state.priorities.length === 0) throw new RangeError("empty validator set");
  if (!Number.isSafeInteger(times) || times <= 0 || times > MAX_INCREMENT_TIMES) {
    throw new RangeError(`increment times must be an int32 > 0, got ${times}`);
  }
  rescalePriorities(state.priorities, PRIORITY_WINDOW_SIZE_FACTOR * state.totalPower);
  shiftByAveragePriority(state.priorities);
  let elected = -1;
  for (let i = 0; i < times; i++) elected = incrementOnce(state);
  return elected;
}

/**
 * Go: computeNewPriorities for an added validator: -1.125 x the total power after updates and before removals,
 * computed as -(t + (t >> 3)). t is positive, so `>>` floors exactly as Go's arithmetic shift does, and
 * t < 2 x MAX_TOTAL_VOTING_POWER keeps the result inside int64.
 */
export function newValidatorPriority(totalAfterUpdatesBeforeRemovals: bigint): bigint {
  return -(totalAfterUpdatesBeforeRemovals + (totalAfterUpdatesBeforeRemovals >> 3n));
}
