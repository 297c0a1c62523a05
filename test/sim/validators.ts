import type { ValidatorSet } from "../../node/consensus/validatorSet.ts";

/**
 * The validator set of every height, derived once per scenario and shared: set(h + 1) = set(h).next(), the
 * sequence the commit contract asks the caller to follow. Sharing is safe because sets are immutable values.
 */
export class ValidatorSchedule {
  private readonly sets: ValidatorSet[];

  constructor(genesis: ValidatorSet) {
    this.sets = [genesis];
  }

  at(height: number): ValidatorSet {
    if (!Number.isInteger(height) || height < 1)
      throw new RangeError(`no validator set for height ${height}`);
    while (this.sets.length < height) {
      const last = this.sets[this.sets.length - 1] as ValidatorSet;
      this.sets.push(last.next());
    }
    return this.sets[height - 1] as ValidatorSet;
  }
}
