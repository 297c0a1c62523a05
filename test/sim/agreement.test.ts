import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { ByzantineSpec } from "./byzantine.ts";
import { runStandardScenarios } from "./parallel.ts";
import { formatResult } from "./report.ts";
import type { RunResult } from "./run.ts";
import { NODE_COUNTS } from "./scenario.ts";

/**
 * The consensus simulation proper: seeded scenarios with N in {4, 7, 10}, unequal stakes, byzantine nodes
 * under 1/3 of the power (double signing, silent, both, forging evidence), lossy reordering links, partitions
 * that heal and late starters. Every run must keep agreement, validity and valid commit certificates, punish
 * every double sign it saw within the evidence age and never an honest validator, and every honest node must
 * reach the target height once the network has settled. Seeds are fixed so a failure names the one command
 * that replays it.
 */
const FIRST_SEED = 1;
const SCENARIOS = 300;
/** Committed heights summed over the scenarios: the suite must not shrink below this without notice. */
const MIN_HEIGHTS = 10_000;

const silent = (b: ByzantineSpec): boolean => b.strategy === "silent" || b.silentFromHeight !== undefined;
const doubleSigner = (b: ByzantineSpec): boolean => b.strategy !== "silent";

describe("consensus simulation: agreement, validity, progress", () => {
  const results: RunResult[] = [];
  let heights = 0;
  before(async () => {
    const wallStart = performance.now();
    const seeds = Array.from({ length: SCENARIOS }, (_, i) => FIRST_SEED + i);
    results.push(...(await runStandardScenarios(seeds)));
    const wallMs = performance.now() - wallStart;
    heights = results.reduce((n, r) => n + r.stats.heights, 0);
    const simMs = results.reduce((n, r) => n + r.stats.simTimeMs, 0);
    const sum = (f: (r: RunResult) => number): number => results.reduce((n, r) => n + f(r), 0);
    process.stdout.write(
      `sim: ${results.length} scenarios, ${heights} committed heights, ${(simMs / 1000).toFixed(0)} s simulated, ` +
        `${sum((r) => r.stats.doubleSigns)} double signs seen (${sum((r) => r.stats.doubleSignsDue)} held to the evidence age), ` +
        `${sum((r) => r.stats.evidenceCommitted)} pieces of evidence committed, ` +
        `${sum((r) => r.stats.falseEvidenceProposed)} blocks with false evidence proposed, ` +
        `${(wallMs / 1000).toFixed(1)} s wall\n`,
    );
  });

  it("every scenario keeps agreement, validity and liveness", () => {
    const failed = results.filter((r) => !r.ok);
    assert.equal(
      failed.length,
      0,
      `${failed.length} of ${results.length} scenarios failed:\n${failed.map(formatResult).join("\n")}`,
    );
  });

  it("covers what the issue asks for", () => {
    for (const n of NODE_COUNTS) {
      const count = results.filter((r) => r.stats.nodes === n).length;
      assert.ok(count >= SCENARIOS / NODE_COUNTS.length - 1, `only ${count} scenarios with N=${n}`);
    }
    assert.ok(results.length >= 200, "at least 200 scenarios");
    assert.ok(heights >= MIN_HEIGHTS, `only ${heights} committed heights, fewer than ${MIN_HEIGHTS}`);
    const share = (pred: (r: RunResult) => boolean): number => results.filter(pred).length / results.length;
    // The generator must keep producing the faults this test is about, not drift into easy runs.
    assert.ok(share((r) => r.stats.byzantine > 0) > 0.6, "byzantine nodes in most scenarios");
    assert.ok(share((r) => r.manifest.partitions.length > 0) > 0.5, "partitions in most scenarios");
    assert.ok(share((r) => r.manifest.link.dropProb > 0) > 0.4, "lossy links in many scenarios");
    assert.ok(share((r) => r.stats.evidence > 0) > 0.2, "equivocation detected in many scenarios");
    assert.ok(share((r) => r.stats.maxRound > 0) > 0.5, "round changes in most scenarios");
    assert.ok(share((r) => r.stats.doubleSigns > 0) > 0.4, "double signs seen in many scenarios");
    assert.ok(
      share((r) => r.stats.doubleSignsDue > 0) > 0.3,
      "double signs held to the evidence age in many",
    );
    assert.ok(share((r) => r.stats.evidenceCommitted > 0) > 0.4, "evidence committed in many scenarios");
    assert.ok(
      share((r) => r.stats.falseEvidenceProposed > 0) > 0.2,
      "false evidence proposed in many scenarios",
    );
    assert.ok(share((r) => r.manifest.byzantine.some(silent)) > 0.25, "silent validators in many scenarios");
    assert.ok(
      share((r) => {
        const b = r.manifest.byzantine;
        return b.some((x) => silent(x) && doubleSigner(x)) || (b.some(silent) && b.some(doubleSigner));
      }) > 0.2,
      "double signers and silent validators together in many scenarios",
    );
    assert.ok(
      results.every((r) => r.stats.byzantineShare < 1 / 3),
      "byzantine power stays below 1/3",
    );
  });
});
