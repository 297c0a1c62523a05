import "../../node/util/polyfill.ts";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runScenario } from "../fault/runner.ts";
import { loadManifests } from "../fault/suite.ts";

/**
 * The fast subset of the fault suite (manifests marked "fast"), through the same runner as `npm run test:fault`:
 * real node processes behind per-link proxies, invariants after every step. One scenario at a time here; the
 * integration suite already runs this file next to another.
 */
const manifests = (await loadManifests()).filter((m) => m.fast);

describe("fault scenarios on real processes (fast subset)", { timeout: 900_000 }, () => {
  it("has a fast subset", () => assert.ok(manifests.length >= 3, `${manifests.length} fast scenarios`));
  for (const manifest of manifests) {
    it(`${manifest.name}: ${manifest.description}`, async () => {
      const result = await runScenario(manifest);
      assert.equal(result.result, "pass", `${result.failedStep ?? ""}: ${result.error ?? ""}`);
      assert.ok(result.checks > 0, "invariants were checked");
      assert.ok(result.votes > 0, "the observer recorded votes off the wire");
      assert.ok(result.height > 0, "the chain advanced");
    });
  }
});
