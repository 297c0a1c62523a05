import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { L1Watcher } from "../../node/l1/l1Watcher.ts";
import { silentLogger } from "../../node/util/logger.ts";

function gauge() {
  const values: number[] = [];
  return { values, set: (v: number) => void values.push(v) };
}

function setup(opts: { refreshFails?: boolean; pollMs?: number } = {}) {
  const metrics = { pendingDepositClaims: gauge(), checkpointsNotOnL1: gauge() };
  const state = { refreshes: 0, lastSubmitted: 3, certified: 5, claims: 2 };
  const debug: string[] = [];
  const watcher = new L1Watcher(
    { pollMs: opts.pollMs ?? 3_600_000 },
    {
      tracker: {
        refresh: async () => {
          state.refreshes++;
          if (opts.refreshFails) throw new Error("L1 down");
        },
        lastSubmitted: () => state.lastSubmitted,
      },
      latestCertifiedNumber: async () => state.certified,
      pendingClaims: () => state.claims,
      metrics,
      logger: { ...silentLogger, debug: (_o, msg) => void debug.push(msg ?? "") },
    },
  );
  return { watcher, metrics, state, debug };
}

describe("L1Watcher", () => {
  it("refreshes the tracker and reports how many certified checkpoints L1 lacks", async () => {
    const { watcher, metrics, state } = setup();
    await watcher.poll();
    assert.equal(state.refreshes, 1);
    assert.deepEqual(metrics.pendingDepositClaims.values, [2]);
    assert.deepEqual(metrics.checkpointsNotOnL1.values, [2]);
    state.lastSubmitted = 9;
    await watcher.poll();
    assert.deepEqual(metrics.checkpointsNotOnL1.values, [2, 0], "never negative");
  });

  it("polls on its timer, logs an unreachable L1 and keeps polling until stopped", async () => {
    const { watcher, state, debug } = setup({ refreshFails: true, pollMs: 5 });
    watcher.start();
    const deadline = Date.now() + 5_000;
    while (state.refreshes < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    watcher.stop();
    assert.ok(state.refreshes >= 2);
    await new Promise((r) => setTimeout(r, 20));
    const after = state.refreshes;
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(state.refreshes, after, "stop ends the polling");
    assert.ok(debug.includes("L1 checkpoint scan failed"));
  });
});
