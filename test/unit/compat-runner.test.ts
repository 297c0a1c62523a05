import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type CompatFlow, formatTable, type Library, type RunModules, runFlows } from "../compat/flows.ts";
import { bumped, CLEAR_BLOB_REFUSAL, CLEAR_SET_CODE_REFUSAL, type FlowTarget } from "../compat/support.ts";

const TARGET: FlowTarget = {
  rpcUrl: "http://node.invalid",
  wsUrl: "ws://node.invalid",
  key: `0x${"11".repeat(32)}`,
};

interface FakeModules extends RunModules {
  closed: number;
  funded: number[];
}

function fakeModules(overrides: Partial<RunModules> = {}): FakeModules {
  const modules: FakeModules = {
    closed: 0,
    funded: [],
    async fundAccounts(_target, count) {
      modules.funded.push(count);
      return Array.from({ length: count }, (_, i) => `0x${(i + 1).toString(16).padStart(64, "0")}` as const);
    },
    async closeSockets() {
      modules.closed++;
    },
    ...overrides,
  };
  return modules;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the compatibility flow runner", () => {
  it("gives each flow its own funded key and reports every flow in order, passes and failures alike", async () => {
    const keysSeen: string[] = [];
    const flow = (name: string, library: Library, delayMs: number, outcome: string | Error): CompatFlow => ({
      name,
      library,
      run: async (t) => {
        keysSeen.push(t.key);
        await sleep(delayMs);
        if (outcome instanceof Error) throw outcome;
        return outcome;
      },
    });
    const flows = [
      flow("slow pass", "ethers", 30, "fine"),
      flow("fails", "viem", 0, new Error("eth_newFilter refused")),
      flow("fast pass", "viem", 0, "quick"),
    ];
    const modules = fakeModules();
    const results = await runFlows(TARGET, { flows, concurrency: 2 }, modules);
    assert.deepEqual(
      results.map((r) => [r.flow, r.library, r.ok, r.detail]),
      [
        ["slow pass", "ethers", true, "fine"],
        ["fails", "viem", false, "eth_newFilter refused"],
        ["fast pass", "viem", true, "quick"],
      ],
    );
    assert.deepEqual(modules.funded, [3]);
    assert.equal(new Set(keysSeen).size, 3, "no two flows share a key");
    assert.ok(!keysSeen.includes(TARGET.key), "no flow spends from the given key itself");
    assert.equal(modules.closed, 1);
  });

  it("never runs more flows at once than asked", async () => {
    let running = 0;
    let most = 0;
    const flows: CompatFlow[] = Array.from({ length: 7 }, (_, i) => ({
      name: `flow ${i}`,
      library: "ethers",
      run: async () => {
        running++;
        most = Math.max(most, running);
        await sleep(10);
        running--;
        return "ok";
      },
    }));
    const results = await runFlows(TARGET, { flows, concurrency: 3 }, fakeModules());
    assert.equal(results.length, 7);
    assert.ok(results.every((r) => r.ok));
    assert.equal(most, 3);
  });

  it("fails a flow past its deadline and still waits for it to end before returning", async () => {
    let ended = false;
    const flows: CompatFlow[] = [
      {
        name: "hangs a while",
        library: "viem",
        run: async () => {
          await sleep(80);
          ended = true;
          return "late";
        },
      },
    ];
    const results = await runFlows(TARGET, { flows, flowTimeoutMs: 20 }, fakeModules());
    assert.equal(results[0]?.ok, false);
    assert.match(results[0]?.detail ?? "", /did not finish within 0.02 s/);
    assert.ok(ended, "the runner returned while a flow was still running");
  });

  it("fails every flow with the reason when the accounts cannot be funded", async () => {
    const flows: CompatFlow[] = [
      { name: "a", library: "ethers", run: async () => "ok" },
      { name: "b", library: "viem", run: async () => "ok" },
    ];
    const modules = fakeModules({
      fundAccounts: async () => {
        throw new Error("insufficient funds for gas * price + value");
      },
    });
    const results = await runFlows(TARGET, { flows }, modules);
    assert.deepEqual(
      results.map((r) => r.ok),
      [false, false],
    );
    assert.match(results[1]?.detail ?? "", /funding .* failed: insufficient funds/);
  });
});

describe("the compatibility flows' helpers", () => {
  it("bumps a price by at least 10%, rounding up", () => {
    assert.equal(bumped(0n), 0n);
    assert.equal(bumped(7n), 8n);
    assert.equal(bumped(10n), 11n);
    assert.equal(bumped(1_000_000_000n), 1_100_000_000n);
    for (const wei of [1n, 3n, 9n, 99n, 123_456_789n]) assert.ok(bumped(wei) * 10n >= wei * 11n, `${wei}`);
  });

  it("counts a refusal as clear only when it names the transaction type", () => {
    assert.match("invalid transaction: transaction type not supported: 0x3", CLEAR_BLOB_REFUSAL);
    assert.match("blob transactions are not supported", CLEAR_BLOB_REFUSAL);
    assert.doesNotMatch("invalid transaction", CLEAR_BLOB_REFUSAL);
    assert.doesNotMatch("nonce too low: address 0x33, tx 3, state 4", CLEAR_BLOB_REFUSAL);
    assert.match("invalid transaction: transaction type not supported: 0x4", CLEAR_SET_CODE_REFUSAL);
    assert.match("EIP-7702 transactions need the Prague hardfork", CLEAR_SET_CODE_REFUSAL);
    assert.doesNotMatch("invalid transaction: transaction type not supported: 0x3", CLEAR_SET_CODE_REFUSAL);
  });

  it("prints a table with a row per flow and the result in words", () => {
    const table = formatTable([
      { flow: "send and wait", library: "ethers", ok: true, detail: "mined in block 5", ms: 10 },
      { flow: "block filter", library: "viem", ok: false, detail: "the method\n does not exist", ms: 3 },
    ]);
    const lines = table.split("\n");
    assert.equal(lines.length, 3);
    assert.match(lines[0] ?? "", /^flow\s+library\s+result\s+detail$/);
    assert.match(lines[1] ?? "", /^send and wait\s+ethers\s+pass\s+mined in block 5$/);
    assert.match(lines[2] ?? "", /^block filter\s+viem\s+FAIL\s+the method does not exist$/);
  });
});
