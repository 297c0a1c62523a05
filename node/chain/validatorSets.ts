import { ValidatorSet } from "../consensus/validatorSet.ts";
import type { ChainStore } from "../storage/index.ts";
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

/** The set in force at `height`, from the snapshot stored at its epoch's start; null if none covers it. */
export async function storedValidatorSetAt(store: ChainStore, height: number): Promise<ValidatorSet | null> {
  const stored = await store.validatorSetAt(height);
  return stored ? advanceTo(ValidatorSet.restore(stored.validatorSet), stored.fromHeight, height) : null;
}
