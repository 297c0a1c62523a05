import "../../node/util/polyfill.ts";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { devAccountKey } from "../../genesis/devKeys.ts";
import { COMPAT_FLOWS, type FlowResult, formatTable, runFlows } from "../compat/flows.ts";
import { Cluster, eventually, heightOf } from "../helpers/cluster.ts";

/**
 * viem and ethers, unmodified, through the usual dapp and wallet flows against a 4-validator cluster of real
 * processes: every flow is one test, failed with the library's or the node's own words.
 */
describe("viem and ethers flows against a 4-validator cluster", { timeout: 240_000 }, () => {
  let cluster: Cluster | undefined;
  let results: FlowResult[] = [];

  before(async () => {
    cluster = await Cluster.create({ validators: 4 });
    await cluster.startAll();
    // The flows talk to one node; another serves nothing different, so one is enough.
    const node = cluster.nodes[1];
    assert.ok(node);
    // Block 1 exists before the flows ask for parents and genesis children.
    await eventually("block 2", async () => (await heightOf(node.rpcUrl)) >= 2, 60_000);
    const started = Date.now();
    results = await runFlows(
      { rpcUrl: node.rpcUrl, wsUrl: node.wsUrl, key: devAccountKey(0) },
      { concurrency: 6, flowTimeoutMs: 75_000 },
    );
    const timings = results.map((r) => `${r.library}: ${r.flow} ${r.ms} ms`).join("; ");
    process.stdout.write(`${formatTable(results)}\nflows took ${Date.now() - started} ms (${timings})\n`);
  });
  after(() => cluster?.destroy());

  for (const [i, flow] of COMPAT_FLOWS.entries()) {
    it(`${flow.library}: ${flow.name}`, () => {
      const result = results[i];
      assert.ok(result, "the flow did not run");
      assert.equal(result.flow, flow.name);
      assert.ok(result.ok, result.detail);
    });
  }
});
