import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { formatResult } from "./report.ts";
import { type RunResult, runScenario } from "./run.ts";
import { byzantineShare, forkDemoScenario, withByzantineBelowOneThird } from "./scenario.ts";

/**
 * The agreement check must be able to fail. With byzantine power at or above 1/3 running a face on each side
 * of a partition, some seed of a small fixed search forks the chain and the checker must say so; the same
 * scenario with byzantine power cut below 1/3 must not fork.
 */
const SEARCH = 10;

describe("fork demo: the checker catches a fork", () => {
  const tried: RunResult[] = [];
  let fork: RunResult | undefined;
  before(async () => {
    for (let seed = 1; seed <= SEARCH && fork === undefined; seed++) {
      const result = await runScenario(forkDemoScenario(seed));
      tried.push(result);
      if (result.violations.some((v) => v.kind === "agreement")) fork = result;
    }
  });

  it(`finds a fork within seeds 1..${SEARCH} when byzantine power is at least 1/3`, () => {
    assert.ok(fork, `no fork in ${SEARCH} seeds:\n${tried.map(formatResult).join("\n")}`);
    assert.ok(byzantineShare(fork.manifest) >= 1 / 3);
    process.stdout.write(`fork demo: ${formatResult(fork).split("\n").slice(0, 3).join("\n")}\n`);
  });

  it("the same scenarios with byzantine power below 1/3 keep agreement and finish", async () => {
    assert.ok(tried.length > 0);
    for (const result of tried) {
      const below = await runScenario(withByzantineBelowOneThird(result.manifest));
      assert.ok(byzantineShare(below.manifest) < 1 / 3);
      assert.deepEqual(below.violations, [], formatResult(below));
    }
  });
});
