import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Transaction } from "ethers";
import { benchAccounts, benchKey } from "../../bench/lib/accounts.ts";
import { classifyAccepted, senderGapGuard } from "../../bench/lib/loadStep.ts";
import { openLoopOffsets, runOpenLoop, type SendOutcome, slotOf } from "../../bench/lib/schedule.ts";
import { committedRate, percentile, rejectionKey, summarizeLatencies } from "../../bench/lib/stats.ts";
import { ERC20_TRANSFER_GAS_LIMIT, signTransfer, transferCall } from "../../bench/lib/transfers.ts";
import { judgeGoals, type StepFigures, saturationPoint } from "../../bench/lib/verdict.ts";
import {
  decodeTransaction,
  erc20Interface,
  intrinsicGas,
  nativeTokenAddress,
  tokenCallGas,
} from "../../node/app/index.ts";
import { hexToBytes, keccak256Hex, privateKeyToAddress } from "../../node/crypto/index.ts";

describe("load bench: percentiles", () => {
  it("takes the nearest rank, never interpolating", () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(sorted, 0.5), 50);
    assert.equal(percentile(sorted, 0.95), 95);
    assert.equal(percentile(sorted, 0.99), 99);
    assert.equal(percentile(sorted, 1), 100);
    assert.equal(percentile([7], 0.99), 7);
    assert.equal(percentile([1, 2, 3], 0), 1);
    assert.equal(percentile([], 0.5), null);
  });

  it("summarizes unsorted latencies", () => {
    const s = summarizeLatencies([300, 100, 200, 1000]);
    assert.deepEqual(s, { count: 4, p50: 200, p95: 1000, p99: 1000, max: 1000, mean: 400 });
    assert.deepEqual(summarizeLatencies([]), {
      count: 0,
      p50: null,
      p95: null,
      p99: null,
      max: null,
      mean: null,
    });
  });

  it("reads a chain that keeps up as the offered rate, one with a backlog as what it drained", () => {
    // 100 tx/s for 10 s, committed in 1 s blocks from t=1 s to t=10 s: kept up.
    const keptUp = Array.from({ length: 1000 }, (_, i) => 1000 + Math.floor(i / 100) * 1000);
    assert.equal(committedRate(keptUp, 1000, 10), 100);
    // The same 1,000 drained over 20 s: 50 tx/s.
    const backlog = Array.from({ length: 1000 }, (_, i) => 1000 + Math.floor(i / 50) * 1000);
    assert.equal(committedRate(backlog, 1000, 10), 50);
    assert.equal(committedRate([], 1000, 10), 0);
  });

  it("reads the offered rate whatever the block boundaries, and never more than was sustained", () => {
    // 1,000 tx/s for 15 s in blocks every 700 ms whose first one takes only the first 100 ms of sends.
    const sends = Array.from({ length: 15_000 }, (_, i) => i);
    const blockOf = (sentAt: number) => Math.ceil((sentAt - 100) / 700);
    const commits = sends.map((sentAt) => 900 + blockOf(sentAt) * 700);
    assert.ok(Math.abs(committedRate(commits, 700, 15) - 1000) < 1, `${committedRate(commits, 700, 15)}`);
    // A stall, then everything in three bunched blocks: the span is the window less two intervals at least.
    const bunched = [...Array(5000).fill(14_000), ...Array(5000).fill(14_100), ...Array(5000).fill(14_200)];
    assert.equal(committedRate(bunched, 700, 15), 5000 / 13.6);
    // Too few blocks to leave the ends out: the count over the window.
    assert.equal(committedRate([...Array(10).fill(500), ...Array(20).fill(900)], 400, 10), 3);
  });

  it("groups rejection messages that differ only in numbers and hex", () => {
    assert.equal(
      rejectionKey("nonce too low: 5, account 0xabc"),
      rejectionKey("nonce too low: 17, account 0xdef0"),
    );
    assert.notEqual(rejectionKey("nonce too low: 5"), rejectionKey("txpool is full"));
  });
});

describe("load bench: open-loop schedule", () => {
  it("spaces rate x seconds sends evenly", () => {
    const offsets = openLoopOffsets(4, 2);
    assert.deepEqual(offsets, [0, 250, 500, 750, 1000, 1250, 1500, 1750]);
    assert.equal(openLoopOffsets(2000, 15).length, 30_000);
    assert.throws(() => openLoopOffsets(0, 1));
  });

  it("takes senders in turn, each sender's nonces in order on one node, consecutive sends on different nodes", () => {
    const slots = Array.from({ length: 16 }, (_, i) => slotOf(i, 6, 4));
    assert.deepEqual(
      slots.slice(0, 4).map((s) => s.node),
      [0, 1, 2, 3],
    );
    for (let sender = 0; sender < 6; sender++) {
      const mine = slots.filter((s) => s.sender === sender);
      assert.deepEqual(
        mine.map((s) => s.nonce),
        [...mine.keys()],
      );
      assert.equal(new Set(mine.map((s) => s.node)).size, 1);
    }
  });

  function fakeClock() {
    let t = 0;
    const timers: { at: number; fire: () => void }[] = [];
    return {
      now: () => t,
      sleep: (ms: number) =>
        new Promise<void>((resolve) => {
          timers.push({ at: t + Math.max(ms, 0.001), fire: resolve });
        }),
      /** Moves to the next sleeper's wake-up time and wakes it. */
      advance() {
        timers.sort((a, b) => a.at - b.at);
        const next = timers.shift();
        if (next) {
          t = next.at;
          next.fire();
        }
        return next !== undefined;
      },
    };
  }

  it("sends at the offered times whatever the answers, and counts sends over the in-flight bound as not sent", async () => {
    const clock = fakeClock();
    const answers: ((o: SendOutcome) => void)[] = [];
    const sentAt: number[] = [];
    const outcomes = new Map<number, SendOutcome>();
    const run = runOpenLoop([0, 10, 20, 30, 40], 2, {
      now: clock.now,
      sleep: clock.sleep,
      send: (i) => {
        sentAt[i] = clock.now();
        return new Promise((resolve) => answers.push(resolve));
      },
      record: (i, outcome) => outcomes.set(i, outcome),
    });
    // No answer ever comes for the first two: the next three are due while two are in flight.
    for (let k = 0; k < 10; k++) {
      await new Promise((r) => setImmediate(r));
      clock.advance();
    }
    for (const answer of answers) answer({ kind: "accepted" });
    const result = await run;
    assert.deepEqual(sentAt, [0, 10]);
    assert.deepEqual(
      [2, 3, 4].map((i) => outcomes.get(i)?.kind),
      ["not-sent", "not-sent", "not-sent"],
    );
    assert.deepEqual(
      [0, 1].map((i) => outcomes.get(i)?.kind),
      ["accepted", "accepted"],
    );
    assert.equal(result.endedAt - result.startedAt, 40);
  });

  it("frees a slot as soon as a send is answered, and turns a thrown send into a rejection", async () => {
    const clock = fakeClock();
    const outcomes = new Map<number, SendOutcome>();
    const run = runOpenLoop([0, 10, 20], 1, {
      now: clock.now,
      sleep: clock.sleep,
      send: async (i) => {
        if (i === 1) throw new Error("socket hang up");
        return { kind: "accepted" };
      },
      record: (i, outcome) => outcomes.set(i, outcome),
    });
    for (let k = 0; k < 10; k++) {
      await new Promise((r) => setImmediate(r));
      clock.advance();
    }
    await run;
    assert.equal(outcomes.get(0)?.kind, "accepted");
    assert.deepEqual(outcomes.get(1), { kind: "rejected", reason: "transport: socket hang up" });
    assert.equal(outcomes.get(2)?.kind, "accepted");
  });
});

describe("load bench: losses", () => {
  it("counts what follows a sender's unaccepted transaction as stranded, the rest as committable", () => {
    const accepted: SendOutcome = { kind: "accepted" };
    const records = [
      { sender: 0, outcome: accepted },
      { sender: 1, outcome: { kind: "rejected", reason: "nonce too low" } as SendOutcome },
      { sender: 0, outcome: { kind: "not-sent" } as SendOutcome },
      { sender: 1, outcome: accepted },
      { sender: 0, outcome: accepted },
      { sender: 2, outcome: accepted },
    ];
    const { committable, stranded } = classifyAccepted(records);
    assert.deepEqual(committable, [records[0], records[5]]);
    assert.equal(stranded, 2);
  });
});

describe("load bench: senders past a gap", () => {
  it("stops a sender after its first transaction that was not accepted, and only that sender", () => {
    const gaps = senderGapGuard();
    gaps.note(0, { kind: "accepted" });
    gaps.note(1, { kind: "rejected", reason: "-32000 txpool is full" });
    gaps.note(2, { kind: "not-sent" });
    assert.deepEqual(
      [0, 1, 2, 3].map((sender) => gaps.blocked(sender)),
      [false, true, true, false],
    );
    gaps.note(1, { kind: "accepted" });
    assert.equal(gaps.blocked(1), true, "a later acceptance does not close the gap");
  });
});

describe("load bench: saturation and goals", () => {
  const step = (
    offered: number,
    committed: number,
    p99: number | null,
    extra: Partial<StepFigures> = {},
  ) => ({
    kind: "native" as const,
    offeredPerSecond: offered,
    committedPerSecond: committed,
    p50Ms: p99 === null ? null : p99 / 2,
    p99Ms: p99,
    lost: 0,
    ...extra,
  });

  it("is the highest offered rate committed at >= 90% within the p99 bound", () => {
    const steps = [step(100, 100, 900), step(250, 249, 1000), step(500, 440, 1500), step(1000, 950, 2500)];
    assert.equal(saturationPoint(steps), 250);
    assert.equal(saturationPoint([...steps, step(2000, 1900, 1900)]), 2000);
    assert.equal(saturationPoint([step(100, 10, 900), step(250, 250, null)]), null);
  });

  it("judges the goals, each from the steps of its kind", () => {
    const goals = judgeGoals([step(500, 500, 1800, { p50Ms: 700 }), step(1000, 1000, 1900)]);
    assert.deepEqual(
      goals.map((g) => g.status),
      ["met", "met", "not measured"],
    );
    const missed = judgeGoals([step(500, 500, 2100, { p50Ms: 700 }), step(1000, 1200, 1900, { lost: 3 })]);
    assert.deepEqual(
      missed.map((g) => g.status),
      ["not met", "not met", "not measured"],
    );
    assert.deepEqual(
      judgeGoals([step(100, 100, 900, { kind: "token" })]).map((g) => g.status),
      ["not measured", "not measured", "not measured"],
    );
    const erc20 = (committed: number, lost = 0) => step(400, committed, 1900, { kind: "erc20", lost });
    assert.equal(judgeGoals([erc20(333)])[2]?.status, "met");
    assert.equal(judgeGoals([erc20(297)])[2]?.status, "not met");
    assert.equal(
      judgeGoals([erc20(350, 2)])[2]?.status,
      "not met",
      "a step that lost transactions does not count",
    );
  });
});

describe("load bench: transfers", () => {
  const rules = { chainId: 7447n, baseFee: 10n ** 9n };

  it("derives the documented keys", () => {
    const [a] = benchAccounts(3, 1);
    assert.equal(a?.address, privateKeyToAddress(benchKey(3)));
    assert.equal(benchKey(3), keccak256Hex(new TextEncoder().encode("outrigger/load-bench/sender/3")));
  });

  it("signs native, token and erc20 transfers the chain decodes, from the sender, with the hash it reports", () => {
    const [from, to] = benchAccounts(0, 2);
    if (!from || !to) throw new Error("accounts");
    const token = nativeTokenAddress("LOAD");
    const erc20 = `0x${"22".repeat(20)}` as const;
    for (const kind of ["native", "token", "erc20"] as const) {
      const signed = signTransfer(from.key, {
        ...transferCall(kind, to.address, kind === "erc20" ? erc20 : token),
        chainId: rules.chainId,
        nonce: 300n,
        maxFeePerGas: rules.baseFee,
      });
      const tx = decodeTransaction(hexToBytes(signed.raw), rules);
      assert.equal(tx.from, from.address);
      assert.equal(tx.hash, signed.hash);
      assert.equal(tx.nonce, 300n);
      assert.equal(Transaction.from(signed.raw).hash, signed.hash);
      if (kind === "native") {
        assert.equal(tx.to, to.address);
        assert.equal(tx.value, 1n);
        assert.equal(tx.gasLimit, 21_000n);
      } else {
        assert.equal(tx.to, kind === "erc20" ? erc20 : token);
        assert.equal(tx.value, 0n);
        // A system token call is charged exactly its intrinsic gas and the token's fixed call gas.
        assert.equal(
          tx.gasLimit,
          kind === "token"
            ? intrinsicGas({ to: token, data: hexToBytes(tx.data) }).intrinsic + tokenCallGas(tx.data)
            : ERC20_TRANSFER_GAS_LIMIT,
        );
        const call = erc20Interface.decodeFunctionData("transfer", tx.data);
        assert.equal(String(call[0]).toLowerCase(), to.address);
        assert.equal(call[1], 1n);
      }
    }
  });
});
