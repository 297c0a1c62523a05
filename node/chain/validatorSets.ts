import type { ValidatorSet } from "../consensus/validatorSet.ts";
import type { Validator } from "../types/index.ts";

/**
 * The set of the next height (CometBFT's state transition): priorities advance once per height, and at an
 * epoch's last block the power changes apply first.
 */
export function nextValidatorSet(current: ValidatorSet, updates: Validator[] | null): ValidatorSet {
  return updates && updates.length > 0 ? current.withUpdates(updates).next() : current.next();
}

/** A stored set is the one in force at `fromHeight`; the set of a later height is reached one height at a time. */
export function advanceTo(set: ValidatorSet, fromHeight: number, height: number): ValidatorSet {
  let result = set;
  for (let h = fromHeight; h < height; h++) result = result.next();
  return result;
}
