import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { Command, CommanderError } from "commander";
import type { BridgeClient, BridgeClientOptions } from "../../bridge/client/client.ts";
import type { DepositResult } from "../../bridge/client/deposit.ts";
import type { ExitResult } from "../../bridge/client/exit.ts";
import { type BridgeProgress, depositProgress, withdrawalProgress } from "../../bridge/client/stages.ts";
import type { StatusRef } from "../../bridge/client/statusRef.ts";
import type { TokenInfo } from "../../bridge/client/tokens.ts";
import type { WithdrawResult } from "../../bridge/client/withdraw.ts";
import { registerBridgeCommand } from "../../cli/bridgeCommand.ts";
import { registerCheckpointCommand } from "../../cli/checkpointCommand.ts";
import type { Output } from "../../cli/format/output.ts";
import { ProgressDisplay, progressTitle, stageLine } from "../../cli/format/progress.ts";
import { devAccountKey } from "../../genesis/devKeys.ts";
import type { Address, Hex } from "../../node/crypto/index.ts";
import type { CheckpointInfo } from "../../node/types/rpc/index.ts";

const A = (n: number) => `0x${n.toString(16).padStart(40, "0")}` as Address;
const H = (n: number) => `0x${n.toString(16).padStart(64, "0")}` as Hex;
const ETH: TokenInfo = { l1Token: A(0), l2Token: A(0xe0), symbol: "ETH", decimals: 18 };
const USDC: TokenInfo = { l1Token: A(0xb1), l2Token: A(0xb2), symbol: "USDC", decimals: 6 };

function bufferOutput(isTTY = false): Output & { text: () => string } {
  const chunks: string[] = [];
  return { write: (t) => void chunks.push(t), isTTY, text: () => chunks.join("") };
}

function minted(nonce: bigint, done: boolean): BridgeProgress {
  return depositProgress({
    nonce,
    l1TxHash: H(1),
    l1Block: 10,
    token: ETH,
    from: A(1),
    to: A(1),
    amount: 15n * 10n ** 17n,
    l1Head: 10,
    l1ConfirmedBlock: 10,
    confirmations: 0,
    sidechain: done ? { status: "minted", height: 33 } : null,
  });
}

function withdrawal(id: bigint, stage: "certifying" | "exitable" | "exited"): BridgeProgress {
  return withdrawalProgress({
    id,
    l2TxHash: H(2),
    height: 25,
    token: ETH,
    from: A(1),
    recipient: A(1),
    amount: 10n ** 18n,
    sidechainHead: stage === "certifying" ? 30 : 45,
    epochLength: 20,
    certifiedCheckpoint: stage === "certifying" ? null : 2,
    checkpointL1: stage === "certifying" ? null : { status: "confirmed", txHash: H(3) },
    l1LastCheckpoint: stage === "certifying" ? 1 : 2,
    exit: { exited: stage === "exited", releaseAt: null, txHash: stage === "exited" ? H(4) : null },
    l1Time: 0n,
  });
}

/** A client that records what the CLI asked for; `network` counts every call that would touch a chain. */
class FakeClient implements BridgeClient {
  readonly address = A(1);
  network = 0;
  calls: string[] = [];
  statuses: BridgeProgress[] = [];
  closed = false;

  constructor(readonly options: BridgeClientOptions) {}

  private touch(call: string) {
    this.network++;
    this.calls.push(call);
  }
  async info(): Promise<never> {
    throw new Error("not used");
  }
  async depositToken(): Promise<TokenInfo> {
    this.touch("depositToken");
    return USDC;
  }
  async withdrawToken(): Promise<TokenInfo> {
    this.touch("withdrawToken");
    return ETH;
  }
  async deposit(req: { amount: bigint | string; to?: Address }): Promise<DepositResult> {
    this.touch(`deposit ${req.amount} ${req.to ?? "self"}`);
    return {
      l1TxHash: H(1),
      l1Block: 10,
      nonce: 5n,
      token: USDC,
      amount: req.amount as bigint,
      to: A(1),
      approveTxHash: H(9),
    };
  }
  async withdraw(req: { amount: bigint | string }): Promise<WithdrawResult> {
    this.touch(`withdraw ${req.amount}`);
    return { l2TxHash: H(2), id: 8n, height: 25, token: ETH, amount: req.amount as bigint, to: A(1) };
  }
  async exit(id: bigint): Promise<ExitResult> {
    this.touch(`exit ${id}`);
    return {
      l1TxHash: H(4),
      l1Block: 12,
      id,
      checkpointNumber: 2,
      token: A(0),
      recipient: A(1),
      amount: 1n,
      paid: true,
      releaseAt: null,
    };
  }
  async status(ref: StatusRef): Promise<BridgeProgress> {
    this.touch(`status ${ref.kind}`);
    const next = this.statuses.shift();
    assert.ok(next, "no more statuses");
    return next;
  }
  async waitFor(
    ref: StatusRef,
    opts: { until?: (p: BridgeProgress) => boolean; onProgress?: (p: BridgeProgress) => void } = {},
  ): Promise<BridgeProgress> {
    for (;;) {
      const p = await this.status(ref);
      opts.onProgress?.(p);
      if ((opts.until ?? ((x) => x.done))(p)) return p;
    }
  }
  close() {
    this.closed = true;
  }
}

function harness(
  env: Record<string, string | undefined> = {},
  isTTY = false,
  statuses: BridgeProgress[] = [],
) {
  const out = bufferOutput(isTTY);
  const clients: FakeClient[] = [];
  const program = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerBridgeCommand(program, {
    out,
    env,
    createClient: (options) => {
      const c = new FakeClient(options);
      c.statuses = [...statuses];
      clients.push(c);
      return c;
    },
  });
  const run = (...args: string[]) => program.parseAsync(["node", "outrigger", "bridge", ...args]);
  return { out, clients, run, network: () => clients.reduce((n, c) => n + c.network, 0) };
}

/** Bad input must fail with `message` and without a client, so no network call can have happened. */
async function failsOffline(args: string[], message: RegExp, env: Record<string, string | undefined> = {}) {
  const h = harness(env);
  await assert.rejects(h.run(...args), (err: Error) => {
    assert.match(err.message, message);
    return true;
  });
  assert.equal(h.clients.length, 0, `a client was created for: ${args.join(" ")}`);
}

describe("outrigger bridge: input checks before any network call", () => {
  it("bad amounts", async () => {
    await failsOffline(["deposit", "ETH", "abc", "--dev-account", "0"], /invalid amount "abc"/);
    await failsOffline(["deposit", "ETH", "0", "--dev-account", "0"], /more than zero/);
    await failsOffline(["deposit", "ETH", "1,5", "--dev-account", "0"], /invalid amount/);
    await failsOffline(
      ["withdraw", "ETH", "1.5", "--raw", "--dev-account", "0"],
      /whole number of base units/,
    );
    await failsOffline(["deposit", "ETH", "-1", "--dev-account", "0"], /invalid amount "-1"/);
  });

  it("bad addresses, tokens, ids, references and URLs", async () => {
    await failsOffline(
      ["deposit", "ETH", "1", "--to", "0x1234", "--dev-account", "0"],
      /invalid recipient "0x1234"/,
    );
    await failsOffline(
      ["withdraw", "ETH", "1", "--to", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", "--dev-account", "0"],
      /checksum/,
    );
    await failsOffline(["deposit", "0xabc", "1", "--dev-account", "0"], /invalid token address/);
    await failsOffline(["deposit", "two words", "1", "--dev-account", "0"], /invalid token/);
    await failsOffline(["exit", "x1", "--dev-account", "0"], /expected a withdrawal id/);
    await failsOffline(["status", "3"], /add --deposit or --withdrawal/);
    await failsOffline(["status", "3", "--deposit", "--withdrawal"], /either --deposit or --withdrawal/);
    await failsOffline(["status", "0x12"], /invalid transaction hash/);
    await failsOffline(["status", `0x${"ab".repeat(32)}`, "--rpc", "ftp://x"], /http:\/\/ or https:\/\/ URL/);
    await failsOffline(["status", `0x${"ab".repeat(32)}`, "--timeout", "0", "--wait"], /from 1 to/);
  });

  it("missing, conflicting or malformed keys", async () => {
    await failsOffline(
      ["deposit", "ETH", "1"],
      /no key: pass --key-file <file>, --dev-account <i> \(devnet\), or set OUTRIGGER_KEY/,
    );
    await failsOffline(["exit", "1"], /no key/);
    await failsOffline(["withdraw", "ETH", "1", "--key-file", "/nonexistent/key"], /cannot read key file/);
    await failsOffline(
      ["deposit", "ETH", "1", "--key-file", "k", "--dev-account", "1"],
      /either --key-file or --dev-account/,
    );
    await failsOffline(["deposit", "ETH", "1", "--dev-account", "99"], /from 0 to 19/);
    await failsOffline(["deposit", "ETH", "1"], /OUTRIGGER_KEY is not a private key/, {
      OUTRIGGER_KEY: "nope",
    });
  });
});

describe("outrigger bridge: commands drive the client", () => {
  it("deposit: key from --dev-account, default URLs, amount with the token's decimals, JSON out", async () => {
    const h = harness();
    await h.run("deposit", "USDC", "2.5", "--dev-account", "3", "--json");
    const [client] = h.clients;
    assert.ok(client);
    assert.equal(client.options.privateKey, devAccountKey(3));
    assert.equal(client.options.rpcUrl, "http://127.0.0.1:8645");
    assert.equal(client.options.l1RpcUrl, "http://127.0.0.1:8545");
    assert.deepEqual(client.calls, ["depositToken", "deposit 2500000 self"]);
    assert.equal(client.closed, true);
    const json = JSON.parse(h.out.text()) as { nonce: string; amount: string; approveTxHash: string };
    assert.equal(json.nonce, "5");
    assert.equal(json.amount, "2500000");
  });

  it("deposit: more decimals than the token has fails before the transaction", async () => {
    const h = harness({ OUTRIGGER_KEY: `0x${"11".repeat(32)}` });
    await assert.rejects(h.run("deposit", "USDC", "1.1234567"), /the token has 6 decimals, the amount has 7/);
    assert.deepEqual(h.clients[0]?.calls, ["depositToken"]);
    assert.equal(h.clients[0]?.options.privateKey, `0x${"11".repeat(32)}`);
  });

  it("deposit --wait prints a line per stage change when not on a terminal", async () => {
    // Two polls without change, then minted.
    const h = harness({}, false, [minted(5n, false), minted(5n, false), minted(5n, true)]);
    await h.run("deposit", "USDC", "1", "--dev-account", "0", "--to", A(7), "--wait");
    const text = h.out.text();
    assert.match(text, /approved the bridge in L1 tx/);
    assert.match(text, /deposit 5: L1 tx 0x0+1 in block 10/);
    assert.equal(text.match(/minted on the sidechain/g)?.length, 2, "waiting, then minted; no repeats");
    assert.match(text, /✓ minted on the sidechain: height 33/);
    assert.deepEqual(h.clients[0]?.calls.slice(0, 2), ["depositToken", `deposit 1000000 ${A(7)}`]);
  });

  it("withdraw --wait waits until exitable, exits with the same key, and shows the result", async (t) => {
    const h = harness({}, false, [
      withdrawal(8n, "certifying"),
      withdrawal(8n, "exitable"),
      withdrawal(8n, "exited"),
    ]);
    await h.run("withdraw", "ETH", "1", "--key-file", await keyFile(t), "--wait");
    assert.deepEqual(h.clients[0]?.calls, [
      "withdrawToken",
      `withdraw ${10n ** 18n}`,
      "status withdrawal",
      "status withdrawal",
      "exit 8",
      "status withdrawal",
    ]);
    assert.match(h.out.text(), /✓ exited on L1: paid to/);
  });

  it("withdraw --wait --no-exit stops when exitable and says what to run", async () => {
    const h = harness({}, false, [withdrawal(8n, "exitable")]);
    await h.run("withdraw", "ETH", "1", "--dev-account", "0", "--wait", "--no-exit");
    assert.ok(!h.clients[0]?.calls.includes("exit 8"));
    assert.match(h.out.text(), /next: outrigger bridge exit 8/);
  });

  it("status renders the stages; on a terminal --wait redraws them in place", async () => {
    const h = harness({}, false, [withdrawal(8n, "certifying")]);
    await h.run("status", "8", "--withdrawal");
    assert.match(h.out.text(), /^withdrawal 8: 1 ETH from 0x0+1 \(sidechain\) to 0x0+1 \(L1\)\n/);
    assert.match(
      h.out.text(),
      /… in checkpoint 2: waiting for the epoch to end at height 40; sidechain at height 30\n {2}· checkpoint 2 on L1\n/,
    );
    assert.equal(h.clients[0]?.options.privateKey, undefined, "status needs no key");

    const tty = harness({}, true, [withdrawal(8n, "certifying"), withdrawal(8n, "exitable")]);
    await tty.run("status", H(2), "--wait");
    assert.ok(tty.out.text().includes("\x1b[5F"), "the second drawing moves up over the first");
    assert.match(tty.out.text(), /next: outrigger bridge exit 8/);
  });
});

describe("live progress display", () => {
  it("on a terminal, moves up by the rows the last drawing took, counting wrapped lines", () => {
    const chunks: string[] = [];
    const display = new ProgressDisplay({ write: (t) => void chunks.push(t), isTTY: true, columns: 50 });
    const p = withdrawal(8n, "certifying");
    display.update(p);
    display.update(p);
    const rows = [progressTitle(p), ...p.stages.map((s) => stageLine(s, true))].reduce(
      (n, l) => n + Math.ceil([...l].length / 50),
      0,
    );
    assert.ok(rows > 5, "some lines wrap at 50 columns");
    assert.equal(chunks[0]?.startsWith("\x1b"), false, "the first drawing moves nothing");
    assert.ok(chunks[1]?.startsWith(`\x1b[${rows}F\x1b[J`), JSON.stringify(chunks[1]?.slice(0, 12)));
  });

  it("into a pipe, prints only stages whose state or detail changed, never volatile notes", () => {
    const chunks: string[] = [];
    const display = new ProgressDisplay({ write: (t) => void chunks.push(t), isTTY: false });
    display.update(withdrawal(8n, "certifying"));
    const first = chunks.length;
    display.update(withdrawal(8n, "certifying"));
    assert.equal(chunks.length, first);
    assert.ok(!chunks.join("").includes("sidechain at height"), "notes are for terminals");
    assert.ok(!chunks.join("").includes("· "), "stages not reached are not printed");
    display.update(withdrawal(8n, "exited"));
    assert.deepEqual(
      chunks.slice(first).map((c) => c.trim().split(":")[0]),
      ["✓ in checkpoint 2", "✓ checkpoint 2 on L1", "✓ exited on L1"],
    );
  });
});

async function keyFile(t: Pick<TestContext, "after">): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "outrigger-cli-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, "key");
  await writeFile(path, `${devAccountKey(1)}\n`);
  return path;
}

describe("outrigger checkpoint", () => {
  const cp = (n: number, withdrawals: boolean): CheckpointInfo => ({
    checkpoint: {
      sidechainId: 7447n,
      number: n,
      startHeight: (n - 1) * 20 + 1,
      endHeight: n * 20,
      blocksRoot: H(0x11),
      withdrawalsRoot: withdrawals ? `0x${"00".repeat(24)}abcdef0123456789` : H(0),
      nextValidatorSetHash: H(0x22),
    },
    signatures: [
      { validator: A(0xa1), signature: `0x${"aa".repeat(65)}` },
      { validator: A(0xa2), signature: `0x${"bb".repeat(65)}` },
      { validator: A(0xa3), signature: `0x${"cc".repeat(65)}` },
    ],
    l1: n === 3 ? { status: "pending", txHash: null } : { status: "confirmed", txHash: H(0x33) },
  });
  const all = [cp(1, false), cp(2, true), cp(3, false)];

  function checkpointHarness() {
    const out = bufferOutput();
    const asked: unknown[] = [];
    const program = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
    registerCheckpointCommand(program, {
      out,
      rpc: () => ({
        checkpoint: async (n) =>
          n === "latest" ? (all.at(-1) ?? null) : (all.find((c) => c.checkpoint.number === n) ?? null),
        checkpoints: async (from, count) => {
          asked.push([from, count]);
          return all.filter((c) => c.checkpoint.number >= from).slice(0, count);
        },
        validators: async (height) => ({
          height,
          epoch: 1,
          totalPower: 400n,
          validators: [0xa1, 0xa2, 0xa3, 0xa4].map((n) => ({
            address: A(n),
            power: 100n,
            stake: 100n * 10n ** 18n,
            jailed: false,
            jailedUntil: 0,
            slashed: 0n,
            missedInWindow: 0,
          })),
        }),
      }),
    });
    return {
      out,
      asked,
      run: (...args: string[]) => program.parseAsync(["node", "outrigger", "checkpoint", ...args]),
    };
  }

  it("list shows the latest checkpoints as a table", async () => {
    const h = checkpointHarness();
    await h.run("list", "--count", "2");
    assert.deepEqual(h.asked, [[2, 2]]);
    const lines = h.out.text().trimEnd().split("\n");
    assert.match(lines[0] ?? "", /^number\s+heights\s+signers\s+withdrawals root\s+L1\s+L1 tx$/);
    assert.match(lines[1] ?? "", /^\s+2\s+21-40\s+3\s+0x000000…456789\s+confirmed\s+0x0+33$/);
    assert.match(lines[2] ?? "", /^\s+3\s+41-60\s+3\s+\(none\)\s+pending\s+-$/);
  });

  it("list --json and --from", async () => {
    const h = checkpointHarness();
    await h.run("list", "--from", "1", "--count", "1", "--json");
    const json = JSON.parse(h.out.text()) as { number: number; sidechainId: string; signers: string[] }[];
    assert.equal(json[0]?.number, 1);
    assert.equal(json[0]?.sidechainId, "7447");
    assert.equal(json[0]?.signers.length, 3);
  });

  it("show prints every field, the signers and their share of the power", async () => {
    const h = checkpointHarness();
    await h.run("show", "2");
    const text = h.out.text();
    assert.match(text, /heights:\s+21-40/);
    assert.match(text, /next validator set hash: 0x0+22/);
    assert.match(text, /L1:\s+confirmed 0x0+33/);
    assert.match(text, /signers:\s+3, power 300 of 400 \(75\.00%\)/);
    assert.match(text, /0x0+a3 {2}0x(cc){65}/);
  });

  it("bad numbers and unknown checkpoints are clear errors", async () => {
    const h = checkpointHarness();
    await assert.rejects(h.run("show", "two"), CommanderError);
    await assert.rejects(h.run("list", "--count", "500"), /from 1 to 100/);
    await assert.rejects(checkpointHarness().run("show", "9"), /checkpoint 9 is not certified/);
  });
});
