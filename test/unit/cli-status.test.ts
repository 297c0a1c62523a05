import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Command } from "commander";
import type { Output } from "../../cli/format/output.ts";
import { NodeNotReadyError, registerStatusCommand } from "../../cli/statusCommand.ts";
import type { NodeStatusInfo } from "../../node/types/rpc/index.ts";

const STATUS: NodeStatusInfo = {
  chainId: 7447n,
  height: 42,
  hash: `0x${"ab".repeat(32)}`,
  time: 1_700_000_000_000,
  epoch: 3,
  epochLength: 20,
  syncing: false,
  highestKnownHeight: null,
  peers: 3,
  validator: `0x${"11".repeat(20)}`,
};

function harness(status: NodeStatusInfo) {
  const chunks: string[] = [];
  const out: Output = { write: (t) => void chunks.push(t), isTTY: false };
  const asked: string[] = [];
  const program = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerStatusCommand(program, {
    out,
    rpc: (url) => ({
      status: async () => {
        asked.push(url);
        return status;
      },
    }),
  });
  const run = (...args: string[]) => program.parseAsync(["node", "outrigger", "status", ...args]);
  return { run, text: () => chunks.join(""), asked };
}

describe("outrigger status", () => {
  it("prints the head, the epoch, the sync state and the peers of the node asked", async () => {
    const h = harness(STATUS);
    await h.run("--rpc", "http://10.0.0.1:8645");
    assert.deepEqual(h.asked, ["http://10.0.0.1:8645"]);
    assert.match(h.text(), /^chain 7447 height 42 \(0xabab.*, 2023-11-14T22:13:20\.000Z\)$/m);
    assert.match(h.text(), /^epoch 3 \(epochs of 20 blocks\); in sync; 3 peers$/m);
  });

  it("--json prints the RPC's own JSON", async () => {
    const h = harness(STATUS);
    await h.run("--json");
    const json = JSON.parse(h.text()) as Record<string, unknown>;
    assert.equal(json.chainId, "7447");
    assert.equal(json.height, 42);
    assert.equal(json.syncing, false);
  });

  it("--check fails while the node is syncing, and passes once it is in sync", async () => {
    await assert.rejects(harness({ ...STATUS, syncing: true }).run("--check"), NodeNotReadyError);
    await harness(STATUS).run("--check");
  });
});
