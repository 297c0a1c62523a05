import "../../node/util/polyfill.ts";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { Interface } from "ethers";
import { type LocalL1, startLocalL1 } from "../../cli/devnet/l1.ts";
import { ensureBuilt } from "../helpers/build.ts";
import { eventually, heightOf, rpc } from "../helpers/cluster.ts";
import { DocMachines, type MachineSpec, type StepResult } from "../helpers/docMachines.ts";
import { type DocStep, environmentNames, readOperatorsDoc } from "../helpers/operatorsDoc.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const DOC = join(ROOT, "docs/operators.md");
const MACHINES = ["A", "B", "C", "D", "E"];
const COIN = 10n ** 18n;
/** The page's one test-only knob: 10-block epochs, so checkpoints, joining and unbonding take seconds. */
const EPOCH_FLAGS = "--epoch-length 10";
// anvil's well-known development accounts 0 and 1 (as in docker-compose.yml): the deployer and the relayer.
const DEPLOYER_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const RELAYER_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const checkpointManager = new Interface(["function lastCheckpointNumber() view returns (uint64)"]);

interface ValidatorsAnswer {
  validators: { address: string; power: string }[];
}
interface CommitAnswer {
  signatures: { validator: string }[];
}

describe("docs/operators.md, every block run on five stand-in machines against a local L1", {
  timeout: 600_000,
}, () => {
  let dir: string;
  let l1: LocalL1 | undefined;
  let machines: DocMachines;
  let steps: DocStep[];
  let next = 0;
  let passed = false;

  const nodeUrl = (m: string) => `http://${machines.machine(m).address}:8545`;

  /** Runs the page's steps up to and including the first block that matches. */
  async function runThrough(pattern: RegExp): Promise<StepResult[]> {
    const results: StepResult[] = [];
    while (next < steps.length) {
      const step = steps[next++] as DocStep;
      results.push(...(await machines.run(step)));
      if (step.kind === "run" && !step.skip && pattern.test(step.code)) return results;
    }
    throw new Error(`no block of docs/operators.md matches ${pattern} after the last one run`);
  }

  before(async () => {
    steps = await readOperatorsDoc(DOC);
    dir = await mkdtemp(join(tmpdir(), "outrigger-operators-"));
    // The page runs the compiled CLI (`npm run build`), as an operator's checkout does.
    await ensureBuilt();
    l1 = await startLocalL1(0, join(dir, "l1.log"));
    // A block a second, as a public L1 makes them, so `deploy --confirmations 3` is met as on Sepolia.
    await rpc(l1.url, "evm_setIntervalMining", [1]);

    // A random 127.a.b.0/24 per run, so a second run (or anything on 127.0.0.1) never shares a port with this one.
    const net = `127.${1 + Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
    const addresses = Object.fromEntries(MACHINES.map((m, i) => [m, `${net}.${10 + i}`]));
    const base = Object.fromEntries(
      Object.entries(process.env).filter(
        (e): e is [string, string] => e[1] !== undefined && !e[0].startsWith("OUTRIGGER_"),
      ),
    );
    const specs = new Map<string, MachineSpec>();
    for (const m of MACHINES) {
      const home = join(dir, `home-${m.toLowerCase()}`);
      await mkdir(home, { recursive: true });
      const address = addresses[m] as string;
      specs.set(m, {
        home,
        address,
        vars: {
          L1_RPC_URL: l1.url,
          L1_CHAIN_ID: "31337",
          ...Object.fromEntries(MACHINES.map((h) => [`HOST_${h}`, addresses[h] as string])),
          OUTRIGGER_SRC: ROOT,
          NODE_RPC: `http://${address}:8545`,
          EPOCH_FLAGS,
          MY_NAME: m.toLowerCase(),
          MY_HOST: address,
        },
        // Five nodes on one host: each binds its own loopback address instead of 127.0.0.1 and 0.0.0.0, through
        // the environment variables that override config.toml.
        env: {
          ...base,
          HOME: home,
          OUTRIGGER_RPC_HOST: address,
          OUTRIGGER_P2P_LISTEN: `/ip4/${address}/tcp/26656`,
        },
      });
    }
    const keys = join(specs.get("A")?.home as string, "keys");
    await mkdir(keys, { recursive: true, mode: 0o700 });
    await writeFile(join(keys, "deployer.key"), `${DEPLOYER_KEY}\n`, { mode: 0o600 });
    await writeFile(join(keys, "relayer.key"), `${RELAYER_KEY}\n`, { mode: 0o600 });
    await mkdir(join(dir, "logs"));
    machines = new DocMachines(specs, join(dir, "logs"));
  });

  after(async () => {
    await machines?.stopAll();
    await l1?.stop();
    if (passed) await rm(dir, { recursive: true, force: true });
    else if (dir) process.stderr.write(`operators e2e: logs and homes kept in ${dir}\n`);
  });

  it("annotates every block, and overrides only variables the page's environment block sets", () => {
    const environment = steps.filter((s) => s.kind === "environment");
    assert.equal(environment.length, 1, "one environment block");
    const names = environmentNames((environment[0] as DocStep & { code: string }).code);
    for (const m of MACHINES)
      for (const name of Object.keys(machines.machine(m).vars))
        assert.ok(names.has(name), `the test sets ${name}, which the environment block does not define`);
    assert.equal(names.has("EPOCH_FLAGS"), true);
    const background = steps
      .filter((s) => s.kind === "run" && s.background)
      .map((s) => (s as { code: string }).code);
    assert.ok(background.some((c) => c.includes("outrigger node")));
    assert.ok(background.some((c) => c.includes("outrigger relayer")));
  });

  it("keys, deploy, genesis, init and start: the four validators commit blocks", async () => {
    await runThrough(/outrigger status --check/);
    for (const m of ["A", "B", "C", "D"]) {
      const start = await heightOf(nodeUrl(m));
      await eventually(`blocks on ${m}`, async () => (await heightOf(nodeUrl(m))) >= start + 2, 60_000, 500);
    }
  });

  it("a checkpoint signed by the validators is accepted by the CheckpointManager on L1", async () => {
    const results = await runThrough(/checkpoint list/);
    const deployment = JSON.parse(
      await readFile(join(machines.machine("A").home, "network/deployment.json"), "utf8"),
    ) as { checkpointManager: string };
    const answer = await rpc<string>(l1?.url as string, "eth_call", [
      {
        to: deployment.checkpointManager,
        data: checkpointManager.encodeFunctionData("lastCheckpointNumber"),
      },
      "latest",
    ]);
    const [last] = checkpointManager.decodeFunctionResult("lastCheckpointNumber", answer);
    assert.ok((last as bigint) > 0n, `lastCheckpointNumber on L1 is ${last}`);
    // The list's rows (the latest checkpoint may already be a newer one, still pending on L1).
    assert.match(results.at(-1)?.stdout ?? "", /^ +\d+ +\d+-\d+ +\d+ .* confirmed +0x[0-9a-f]{64}$/m);
  });

  it("a fifth validator syncs, stakes, is in the set from the next epoch and signs blocks", async () => {
    await runThrough(/until outrigger validators/);
    const address = (await readFile(join(machines.machine("E").home, "outrigger/e.address"), "utf8"))
      .trim()
      .toLowerCase();
    const set = await rpc<ValidatorsAnswer>(nodeUrl("A"), "outrigger_validators", []);
    const entry = set.validators.find((v) => v.address.toLowerCase() === address);
    assert.ok(entry, `${address} is not in ${JSON.stringify(set.validators)}`);
    assert.equal(BigInt(entry.power), 100n);
    const from = await heightOf(nodeUrl("A"));
    await eventually(
      "a commit signed by the fifth validator",
      async () => {
        const head = await heightOf(nodeUrl("A"));
        for (let h = from; h <= head; h++) {
          const commit = await rpc<CommitAnswer | null>(nodeUrl("A"), "outrigger_commit", [h]);
          if (commit?.signatures.some((s) => s.validator.toLowerCase() === address)) return true;
        }
        return false;
      },
      60_000,
      1_000,
    );
  });

  it("the fifth validator unstakes, and withdraw-stake pays the stake back after the unbonding epochs", async () => {
    const results = await runThrough(/withdraw-stake/);
    const output = results.at(-1)?.stdout ?? "";
    assert.match(output, /withdraw-stake: tx 0x[0-9a-f]{64} succeeded in block \d+; paid 100 to 0x/);
    const address = (await readFile(join(machines.machine("E").home, "outrigger/e.address"), "utf8")).trim();
    const balance = BigInt(await rpc<string>(nodeUrl("E"), "eth_getBalance", [address, "latest"]));
    // 101 coins received, 100 staked and paid back, a little gas spent.
    assert.ok(balance > 100n * COIN && balance < 101n * COIN, `balance ${balance}`);
    assert.equal(next, steps.length, "every step of the page was run");
    passed = true;
  });
});
