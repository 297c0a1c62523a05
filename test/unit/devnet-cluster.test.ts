import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Cluster } from "../../cli/devnet/cluster.ts";
import { alive } from "../helpers/processes.ts";

async function gone(pid: number, withinMs: number): Promise<boolean> {
  const until = Date.now() + withinMs;
  while (alive(pid)) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/** Starts node 0 and returns, long before it is ready, with its pid and its start's outcome. */
function startWithoutWaiting(cluster: Cluster): { pid: number; start: Promise<unknown> } {
  const start = cluster.start(0).then(
    () => "ready",
    (err: unknown) => err,
  );
  const pid = cluster.nodes[0]?.child?.pid;
  assert.ok(pid !== undefined, "the node's process is kept as soon as it is spawned");
  assert.ok(alive(pid), "the node is still starting");
  assert.equal(cluster.nodes[0]?.process, null, "it has not reported ready");
  return { pid, start };
}

describe("Cluster", { timeout: 60_000 }, () => {
  it("stop() reaches a node that is still starting: its process is gone and its start fails", async (t) => {
    const cluster = await Cluster.create({ validators: 1 });
    t.after(() => cluster.destroy());
    const { pid, start } = startWithoutWaiting(cluster);
    await cluster.stop();
    assert.ok(await gone(pid, 5_000), `pid ${pid} still running after stop()`);
    assert.match(String(await start), /before it was ready/);
    assert.equal(cluster.nodes[0]?.child, null);
  });

  it("killAllNow() reaches a node that is still starting", async (t) => {
    const cluster = await Cluster.create({ validators: 1 });
    t.after(() => cluster.destroy());
    const { pid, start } = startWithoutWaiting(cluster);
    cluster.killAllNow();
    assert.ok(await gone(pid, 5_000), `pid ${pid} still running after killAllNow()`);
    assert.match(String(await start), /before it was ready/);
    // A failed start leaves the node free to start again.
    assert.equal(cluster.nodes[0]?.child, null);
  });
});
