import "../../node/util/polyfill.ts";
import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { Contract, JsonRpcProvider, parseEther, Wallet } from "ethers";
import { devAccountKey } from "../../genesis/devKeys.ts";
import { L1_BRIDGE_ABI } from "../../node/types/index.ts";
import { eventually, heightOf } from "../helpers/cluster.ts";
import { alive } from "../helpers/processes.ts";

const ROOT = resolve(import.meta.dirname, "../..");

describe("outrigger devnet", { timeout: 600_000 }, () => {
  it("starts an L1, 4 validators and a relayer; ethers transactions and the README's bridge walkthrough work; SIGTERM stops them all; started again, it resumes L1 and sidechain", async (t) => {
    const dir = await mkdtemp(join(tmpdir(), "outrigger-devnet-"));
    const runs: Devnet[] = [];
    t.after(async () => {
      for (const run of runs) {
        try {
          process.kill(-(run.child.pid as number), "SIGKILL");
        } catch {
          // the group has already exited
        }
      }
      await rm(dir, { recursive: true, force: true });
    });
    const first = startDevnet(dir);
    runs.push(first);
    const devnet = first.child;
    const out = await summaryOf(first);

    const urls = [...out.matchAll(/validator \d RPC \(chain id 7447\):\s+(\S+)/g)].map((m) => m[1] as string);
    assert.equal(urls.length, 4, out);
    const l1Url = /L1 RPC \(chain id \d+\):\s+(\S+)/.exec(out)?.[1];
    assert.ok(l1Url, out);
    assert.match(
      out,
      /0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266\s+0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80/,
    );
    await eventually("5 blocks on the last validator", async () => (await heightOf(urls[3] as string)) >= 5);

    const provider = new JsonRpcProvider(urls[2]);
    try {
      const wallet = new Wallet(devAccountKey(5), provider);
      const receipt = await (
        await wallet.sendTransaction({ to: Wallet.createRandom().address, value: parseEther("1") })
      ).wait();
      assert.equal(receipt?.status, 1);
    } finally {
      provider.destroy();
    }

    // The README's walkthrough, through the CLI as a user runs it: ETH and the test ERC20 there and back.
    const tst = /L1 test ERC20 \(TST\):\s+(0x[0-9a-f]{40})/.exec(out)?.[1];
    assert.ok(tst, out);
    const endpoints = ["--rpc", urls[0] as string, "--l1-rpc", l1Url, "--dev-account", "1"];
    for (const [args, done] of [
      [["deposit", "ETH", "1.5", "--wait"], /✓ minted on the sidechain/],
      [["deposit", tst, "100", "--wait"], /✓ minted on the sidechain/],
      [["withdraw", "ETH", "0.5", "--wait"], /✓ exited on L1: paid/],
      [["withdraw", "TST", "40", "--wait"], /✓ exited on L1: paid/],
    ] as const) {
      const { stdout } = await run(["bridge", ...args, ...endpoints]);
      assert.match(stdout, done, `bridge ${args.join(" ")}`);
    }
    const list = await run(["checkpoint", "list", "--rpc", urls[0] as string]);
    assert.match(list.stdout, /confirmed\s+0x[0-9a-f]{64}/, "checkpoints listed with their L1 status");

    const pids = await childPids(devnet.pid as number);
    assert.ok(
      pids.length >= 6,
      `expected the L1, 4 validators and the relayer as children, found ${pids.length}`,
    );
    devnet.kill("SIGTERM");
    await eventually(
      "the devnet to exit",
      async () => devnet.exitCode !== null || devnet.signalCode !== null,
      30_000,
    );
    await eventually("every child to exit", async () => pids.every((pid) => !alive(pid)), 30_000);

    // Started again on the same folder, it resumes the L1 from its state file and the sidechain from its data:
    // the two deposits stay minted and the next one gets the next nonce, without --reset.
    const second = startDevnet(dir);
    runs.push(second);
    const out2 = await summaryOf(second);
    assert.match(out2, /L1 \(anvil\) running at \S+, resumed from /);
    assert.match(out2, /resuming the sidechain in /);
    const urls2 = [...out2.matchAll(/validator \d RPC \(chain id 7447\):\s+(\S+)/g)].map(
      (m) => m[1] as string,
    );
    const l1Url2 = /L1 RPC \(chain id \d+\):\s+(\S+)/.exec(out2)?.[1];
    assert.ok(l1Url2 && urls2[0], out2);
    const bridgeAddress = /L1 Bridge:\s+(0x[0-9a-f]{40})/.exec(out2)?.[1];
    assert.ok(bridgeAddress, out2);
    const l1 = new JsonRpcProvider(l1Url2, undefined, { staticNetwork: true });
    try {
      const bridge = new Contract(bridgeAddress, L1_BRIDGE_ABI, l1);
      assert.equal(await bridge.getFunction("nextDepositNonce")(), 2n, "the L1 kept both deposits");
      assert.equal(await l1.getBalance(bridgeAddress), parseEther("1"), "1.5 ETH in, 0.5 out");
    } finally {
      l1.destroy();
    }
    const again = await run([
      "bridge",
      "deposit",
      "ETH",
      "0.25",
      "--wait",
      "--rpc",
      urls2[0],
      "--l1-rpc",
      l1Url2,
      "--dev-account",
      "1",
    ]);
    assert.match(again.stdout, /deposit 2: /);
    assert.match(again.stdout, /✓ minted on the sidechain/);
    const pids2 = await childPids(second.child.pid as number);
    second.child.kill("SIGTERM");
    await eventually(
      "every child of the second run to exit",
      async () => pids2.every((pid) => !alive(pid)),
      30_000,
    );
  });
});

interface Devnet {
  child: ChildProcess;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
}

/** `outrigger devnet` on dir, every port bound by the process that listens on it (port 0), read back from the summary. */
function startDevnet(dir: string): Devnet {
  const child = spawn(
    process.execPath,
    [
      join(ROOT, "bin/outrigger.mjs"),
      "devnet",
      "--dir",
      dir,
      "--l1-port",
      "0",
      "--rpc-base-port",
      "0",
      "--p2p-base-port",
      "0",
    ],
    // Its own process group, so cleanup can stop the L1 and the validators too if the test fails midway.
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  let out = "";
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  return { child, output: () => out };
}

/** The devnet's output once its summary is complete. */
async function summaryOf(devnet: Devnet): Promise<string> {
  // The summary arrives in several writes: wait for its last dev account, not its first line.
  await eventually(
    "the devnet summary",
    async () => {
      if (devnet.output().includes("0xa0ee7a142d267c1f36714e4a8f75612f20a79720")) return true;
      // Thrown so that a timeout reports how far the devnet got.
      throw new Error(`no summary yet; its output so far:\n${devnet.output().slice(-3000)}`);
    },
    180_000,
  );
  return devnet.output();
}

const execFileAsync = promisify(execFile);

/** The outrigger CLI, as a user runs it; rejects (with its output) on a non-zero exit. */
function run(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return execFileAsync(process.execPath, [join(ROOT, "bin/outrigger.mjs"), ...args], {
    cwd: ROOT,
    timeout: 120_000,
  });
}

/** Direct children of a process, from /proc (Linux; CI and the devnet run there). */
async function childPids(parent: number): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === parent) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}
