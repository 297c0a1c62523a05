import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type FuzzTarget, runTarget, splitRuns } from "./harness.ts";

/** The seed of `npm test`'s fuzzing: fixed, so a failure there reproduces with `npm run fuzz -- --seed`. */
export const TEST_SEED = 17;

/** One test per target, `total` inputs split by weight; a failure shows its shrunk input. */
export function describeFuzz(title: string, targets: readonly FuzzTarget[], total: number): void {
  describe(title, () => {
    for (const [target, runs] of splitRuns(targets, total)) {
      it(`${target.name}: ${runs} inputs end in a result or a typed error`, async () => {
        const result = await runTarget(target, runs, TEST_SEED);
        assert.equal(result.failures, 0, `${result.error}\ninput: ${result.counterexample}`);
        assert.equal(result.inputs, runs);
      });
    }
  });
}
