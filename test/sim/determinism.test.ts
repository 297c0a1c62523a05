import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runScenario } from "./run.ts";
import { standardScenario } from "./scenario.ts";

describe("simulation determinism", () => {
  it("one seed gives the same trace twice", async () => {
    const seed = 42;
    const a = await runScenario(standardScenario(seed));
    const b = await runScenario(standardScenario(seed));
    assert.equal(a.traceHash, b.traceHash);
    assert.deepEqual(a.violations, b.violations);
    assert.deepEqual({ ...a.stats, wallMs: 0 }, { ...b.stats, wallMs: 0 });
    assert.ok(a.stats.events > 100, "the trace is not trivially empty");
  });

  it("different seeds give different traces and manifests", async () => {
    const hashes = new Set<string>();
    for (const seed of [1, 2, 3, 4, 5, 6]) hashes.add((await runScenario(standardScenario(seed))).traceHash);
    assert.equal(hashes.size, 6);
    assert.notDeepEqual(standardScenario(7), standardScenario(8));
  });

  it("the fast signature stand-in behaves exactly like secp256k1 on a whole run", async () => {
    // Same seed, real signatures: every delivery, vote and commit must be the same, or the stand-in changed
    // what the engine sees. A small scenario keeps the ~3 ms per real signature affordable. Its byzantine nodes
    // equivocate proposals but not votes: evidence carries signatures, whose bytes differ between the schemes,
    // and a block's hash (which traces print) covers them.
    const base = standardScenario(3);
    assert.ok(base.byzantine.length > 0, "the scenario has byzantine nodes");
    const manifest = {
      ...base,
      targetHeight: 3,
      byzantine: base.byzantine.map((b) => ({
        ...b,
        strategy: "equivocate" as const,
        voteEquivocationProb: 0,
        falseEvidenceProb: 0,
      })),
    };
    const fast = await runScenario(manifest);
    const real = await runScenario(manifest, { signatures: "secp256k1" });
    assert.equal(fast.ok, true);
    assert.equal(fast.stats.evidenceCommitted, 0);
    assert.equal(real.traceHash, fast.traceHash);
  });
});
