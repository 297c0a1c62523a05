import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Command } from "commander";
import { registerBalanceCommand } from "../../cli/balanceCommand.ts";
import { COIN_DECIMALS, formatCoins, parseCoins } from "../../cli/format/coins.ts";
import type { Output } from "../../cli/format/output.ts";
import {
  type NodeClient,
  type SentTx,
  stakingInterface,
  TransactionRefusedError,
  tokenInterface,
} from "../../cli/rpc/nodeClient.ts";
import { epochStart, registerStakeCommands } from "../../cli/stakeCommand.ts";
import { powerShare, registerValidatorsCommand } from "../../cli/validatorsCommand.ts";
import { devAccountKey } from "../../genesis/devKeys.ts";
import { nativeTokenAddress, STAKING_ADDRESS } from "../../node/app/addresses.ts";
import { type Address, type Hex, privateKeyToAddress } from "../../node/crypto/index.ts";
import type { BridgedToken } from "../../node/types/rpc/index.ts";

const COIN = 10n ** 18n;
const A = (n: number) => `0x${n.toString(16).padStart(40, "0")}` as Address;

describe("coin amounts", () => {
  it("parses whole and decimal coins exactly, in base units", () => {
    assert.equal(COIN_DECIMALS, 18);
    assert.equal(parseCoins("1000"), 1000n * COIN);
    assert.equal(parseCoins("0.5"), COIN / 2n);
    assert.equal(parseCoins("1.000000000000000001"), COIN + 1n);
    assert.equal(parseCoins("0.000000000000000001"), 1n);
    assert.equal(parseCoins("12345678901234567890.5"), 12345678901234567890n * COIN + COIN / 2n);
    assert.equal(parseCoins("2.50"), (5n * COIN) / 2n, "trailing zeros are not extra decimals");
  });

  it("refuses what is not a positive decimal with at most 18 decimals", () => {
    for (const text of ["-1", "0", "0.0", "1e3", "1,5", "", "abc", "0x10", ".5", "1."]) {
      assert.throws(() => parseCoins(text), /invalid amount/, text);
    }
    assert.throws(() => parseCoins("1.0000000000000000001"), /18 decimals, the amount has 19/);
  });

  it("formats base units as coins without trailing zeros, the inverse of parsing", () => {
    assert.equal(formatCoins(1000n * COIN), "1000");
    assert.equal(formatCoins(COIN / 2n), "0.5");
    assert.equal(formatCoins(1n), "0.000000000000000001");
    assert.equal(formatCoins(0n), "0");
    for (const text of ["1000", "0.5", "1.000000000000000001", "42.42"])
      assert.equal(formatCoins(parseCoins(text)), text);
  });

  it("shares of power with two decimals, and epoch starts", () => {
    assert.equal(powerShare(1000n, 4000n), "25.00%");
    assert.equal(powerShare(100n, 4100n), "2.43%");
    assert.equal(powerShare(1n, 3n), "33.33%");
    assert.equal(powerShare(0n, 0n), "-");
    assert.equal(epochStart(1, 20), 1);
    assert.equal(epochStart(39, 5), 191);
  });
});

function bufferOutput(): Output & { text: () => string } {
  const chunks: string[] = [];
  return { write: (t) => void chunks.push(t), isTTY: false, text: () => chunks.join("") };
}

const KEY = devAccountKey(0);
const SENDER = privateKeyToAddress(KEY);
const DEV = nativeTokenAddress("DEV");

/** A node that answers from fixed state and records every question; `sent` holds what was signed. */
class FakeNode implements NodeClient {
  readonly url = "http://fake";
  asked: string[] = [];
  sent: { to: Address; data: Hex }[] = [];
  refuse: string | null = null;
  unbonding: [bigint, bigint] = [0n, 0n];
  /** [jailed, jailedUntil, slashed, missed] per validator; absent ones: never jailed or slashed, nothing missed. */
  signing = new Map<Address, [boolean, bigint, bigint, bigint]>();
  bridged: BridgedToken[] = [];

  async status() {
    this.asked.push("status");
    return {
      chainId: 7447n,
      height: 188,
      hash: null,
      time: null,
      epoch: 38,
      epochLength: 5,
      syncing: false,
      highestKnownHeight: null,
      peers: 3,
      validator: null,
    };
  }
  async validators(height?: number) {
    this.asked.push(`validators ${height}`);
    const standing = (address: Address, power: bigint) => {
      const [jailed, jailedUntil, slashed, missed] = this.signing.get(address) ?? [false, 0n, 0n, 0n];
      const stake = power * COIN;
      return {
        address,
        power,
        stake,
        jailed,
        jailedUntil: Number(jailedUntil),
        slashed,
        missedInWindow: Number(missed),
      };
    };
    return {
      height: height ?? 12,
      epoch: 3,
      totalPower: 4100n,
      validators: [standing(A(1), 4000n), standing(A(2), 100n)],
    };
  }
  async commit(height: number | "latest") {
    this.asked.push(`commit ${height}`);
    return {
      height: 11,
      round: 0,
      blockHash: `0x${"ab".repeat(32)}` as Hex,
      signatures: [{ validator: A(1), signature: `0x${"00".repeat(65)}` as Hex }],
    };
  }
  async bridgedTokens() {
    this.asked.push("bridgedTokens");
    return this.bridged;
  }
  async balance(address: Address) {
    this.asked.push(`balance ${address}`);
    return 10_000n * COIN;
  }
  async code(address: Address) {
    return (address === DEV || this.bridged.some((t) => t.l2Token === address) ? "0xfe" : "0x") as Hex;
  }
  async call(to: Address, data: Hex): Promise<Hex> {
    if (to === STAKING_ADDRESS) {
      return stakingInterface.encodeFunctionResult("unbondingOf", this.unbonding) as Hex;
    }
    const call = tokenInterface.parseTransaction({ data });
    const values: Record<string, unknown> = {
      name: "Outrigger Dev Token",
      symbol: "DEV",
      decimals: 6,
      balanceOf: 1_500_000n,
    };
    return tokenInterface.encodeFunctionResult(call?.name ?? "", [values[call?.name ?? ""]]) as Hex;
  }
  async send(privateKey: Hex, to: Address, data: Hex, opts: { wait: boolean }): Promise<SentTx> {
    if (this.refuse !== null) throw new TransactionRefusedError(this.refuse);
    this.sent.push({ to, data });
    const call = stakingInterface.parseTransaction({ data });
    const from = privateKeyToAddress(privateKey);
    const event =
      call?.name === "stake"
        ? stakingInterface.encodeEventLog("Staked", [from, call.args[0], call.args[0]])
        : call?.name === "unstake"
          ? stakingInterface.encodeEventLog("Unstaked", [from, call.args[0], 40n])
          : call?.name === "unjail"
            ? stakingInterface.encodeEventLog("Unjailed", [from])
            : stakingInterface.encodeEventLog("UnbondedWithdrawn", [from, 7n * COIN]);
    return {
      hash: `0x${"cd".repeat(32)}`,
      from,
      receipt: opts.wait
        ? {
            blockNumber: 189,
            status: "success",
            logs: [{ address: STAKING_ADDRESS, topics: event.topics as Hex[], data: event.data as Hex }],
          }
        : null,
    };
  }
  close() {}
}

function harness(env: Record<string, string | undefined> = {}) {
  const out = bufferOutput();
  const nodes: FakeNode[] = [];
  const node = new FakeNode();
  const program = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  const deps = {
    out,
    env,
    connect: () => {
      nodes.push(node);
      return node;
    },
  };
  registerBalanceCommand(program, deps);
  registerValidatorsCommand(program, deps);
  registerStakeCommands(program, deps);
  const run = (...args: string[]) => program.parseAsync(["node", "outrigger", ...args]);
  return { out, node, nodes, run };
}

describe("outrigger balance, validators and staking against a fake node", () => {
  it("balance: native coins, or a genesis token found by its symbol, in units and raw", async () => {
    const h = harness();
    await h.run("balance", SENDER);
    assert.match(h.out.text(), /balance {2}10000\n/);
    assert.match(h.out.text(), /raw {6}10000000000000000000000 \(18 decimals\)/);
    const t = harness();
    await t.run("balance", SENDER, "--token", "dev", "--json");
    const json = JSON.parse(t.out.text());
    assert.equal(json.token.address, DEV);
    assert.equal(json.balance, "1.5", "the token's own decimals (6) are used");
    assert.equal(json.raw, "1500000");
  });

  it("balance: a bridged token by its symbol or its L1 address, read at its sidechain address", async () => {
    const usdc: BridgedToken = {
      l1Token: A(0xb1),
      l2Token: A(0xb2),
      name: "USD Coin",
      symbol: "USDC",
      decimals: 6,
      totalSupply: 0n,
    };
    for (const ref of ["usdc", A(0xb1), A(0xb2)]) {
      const h = harness();
      h.node.bridged = [usdc];
      await h.run("balance", SENDER, "--token", ref, "--json");
      const json = JSON.parse(h.out.text());
      assert.equal(json.token.address, A(0xb2), ref);
      assert.deepEqual(json.token.origin, { kind: "bridged", l1Token: A(0xb1) });
    }
    const twice = harness();
    twice.node.bridged = [{ ...usdc, symbol: "DEV" }];
    await assert.rejects(twice.run("balance", SENDER, "--token", "DEV"), /names 2 tokens/);
  });

  it("balance: an unknown token or a malformed address fails in one message", async () => {
    await assert.rejects(
      harness().run("balance", SENDER, "--token", "NOPE"),
      /no token has the symbol "NOPE"/,
    );
    await assert.rejects(harness().run("balance", SENDER, "--token", A(9)), /no token at/);
    const h = harness();
    await assert.rejects(h.run("balance", "0x12"), /invalid address "0x12"/);
    assert.equal(h.nodes.length, 0, "no node was asked");
  });

  it("validators: power, share, stake and the signers of the last block of the same epoch", async () => {
    const h = harness();
    await h.run("validators");
    const text = h.out.text();
    assert.match(text, /2 validators sign height 12 \(epoch 3\), total power 4100/);
    assert.match(text, new RegExp(`${A(1)} +4000 +97\\.56% +4000 +yes`));
    assert.match(text, new RegExp(`${A(2)} +100 +2\\.43% +100 +no`));
    assert.ok(h.node.asked.includes("commit 11"));
    const past = harness();
    await past.run("validators", "--height", "3", "--json");
    const json = JSON.parse(past.out.text());
    assert.equal(json.lastCommitHeight, null, "no signers column for a past set");
    assert.deepEqual(json.validators[1], {
      address: A(2),
      power: "100",
      share: "2.43%",
      stake: (100n * COIN).toString(),
      jailed: false,
      jailedUntil: 0,
      slashed: "0",
      missedInWindow: 0,
    });
  });

  it("validators: jailing, slashes and missed votes as outrigger_validators reports them", async () => {
    const h = harness();
    h.node.signing.set(A(2), [true, 640n, COIN / 20n, 3n]);
    await h.run("validators");
    const text = h.out.text();
    assert.match(text, /jailed +slashed +missed/);
    assert.match(text, new RegExp(`${A(2)} +100 +2\\.43% +100 +no +until 640 +0\\.05 +3\n`));
    assert.match(text, new RegExp(`${A(1)} +4000 +97\\.56% +4000 +yes +no +0 +0\n`));
    const json = harness();
    json.node.signing.set(A(2), [true, 640n, COIN / 20n, 3n]);
    await json.run("validators", "--json");
    const row = JSON.parse(json.out.text()).validators[1];
    assert.deepEqual(
      [row.jailed, row.jailedUntil, row.slashed, row.missedInWindow],
      [true, 640, (COIN / 20n).toString(), 3],
    );
  });

  it("unjail: sends unjail() and names the epoch the power returns; a refusal is not sent", async () => {
    const h = harness();
    await h.run("unjail", "--dev-account", "0");
    assert.deepEqual(h.node.sent, [
      { to: STAKING_ADDRESS, data: stakingInterface.encodeFunctionData("unjail", []) },
    ]);
    assert.match(h.out.text(), new RegExp(`unjail of ${SENDER}: tx 0x(cd){32} succeeded in block 189`));
    assert.match(h.out.text(), /power returns from epoch 39 \(height 191\)/);
    const early = harness();
    early.node.refuse = "staking: still jailed until height 640";
    await assert.rejects(
      early.run("unjail", "--dev-account", "0"),
      /^StakingError: unjail was not sent: staking: still jailed until height 640$/m,
    );
    assert.equal(early.node.sent.length, 0);
  });

  it("stake: sends stake(amount) to the staking contract and names the epoch it takes effect", async () => {
    const h = harness();
    await h.run("stake", "0.5", "--dev-account", "0");
    assert.equal(h.node.sent.length, 1);
    assert.equal(h.node.sent[0]?.to, STAKING_ADDRESS);
    assert.equal(h.node.sent[0]?.data, stakingInterface.encodeFunctionData("stake", [COIN / 2n]));
    // Block 189 is in epoch 38 of 5 blocks; the set changes at its end.
    assert.match(h.out.text(), /power applies from epoch 39 \(height 191\)/);
  });

  it("unstake and withdraw-stake: the release epoch, then the amount paid", async () => {
    const h = harness();
    await h.run("unstake", "100", "--dev-account", "0", "--json");
    const json = JSON.parse(h.out.text());
    assert.equal(json.releaseEpoch, 40);
    assert.equal(json.releaseHeight, 196);
    assert.equal(json.effectiveEpoch, 39);
    const w = harness();
    w.node.unbonding = [0n, 7n * COIN];
    await w.run("withdraw-stake", "--dev-account", "0");
    assert.match(w.out.text(), new RegExp(`paid 7 to ${SENDER}`));
  });

  it("withdraw-stake with nothing released says why, and sends nothing", async () => {
    const h = harness();
    h.node.unbonding = [5n * COIN, 0n];
    await assert.rejects(
      h.run("withdraw-stake", "--dev-account", "0"),
      /nothing to withdraw yet: 5 unstaked/,
    );
    const none = harness();
    await assert.rejects(none.run("withdraw-stake", "--dev-account", "0"), /has no unstaked coins/);
    assert.equal(h.node.sent.length + none.node.sent.length, 0);
  });

  it("a refused call gives its reason; bad amounts and missing keys fail before any node is asked", async () => {
    const h = harness();
    h.node.refuse = "staking: amount exceeds balance";
    await assert.rejects(
      h.run("stake", "5", "--dev-account", "0"),
      /^StakingError: stake was not sent: staking: amount exceeds balance$/m,
    );
    for (const amount of ["-1", "0", "1e3", "0.0000000000000000001"]) {
      const bad = harness();
      await assert.rejects(bad.run("stake", amount, "--dev-account", "0"), /invalid amount/);
      assert.equal(bad.nodes.length, 0);
    }
    const nokey = harness();
    await assert.rejects(nokey.run("unstake", "1"), /no key/);
    assert.equal(nokey.nodes.length, 0);
  });
});
