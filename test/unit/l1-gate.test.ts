import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Hex, ZERO_HASH } from "../../node/crypto/index.ts";
import { ClaimPool, createDepositConfirmer, DepositIntake } from "../../node/deposits/index.ts";
import {
  type CheckpointSubmission,
  CheckpointTracker,
  DEFAULT_L1_GATE,
  L1Gate,
  type L1GateOptions,
  type L1Reader,
  L1UnavailableError,
} from "../../node/l1/index.ts";
import { type DepositClaim, depositHash } from "../../node/types/index.ts";
import { testClaim } from "../helpers/deposits.ts";

/**
 * An L1 behind the gate that counts what it is asked: deposits become final at an L1 block, the head moves when
 * the test says so, and reads can be held open (to pile up concurrent callers) or fail.
 */
class CountingL1 implements L1Reader {
  latest = 100;
  finalized = 90;
  readonly calls = { blockNumber: 0, finalizedBlock: 0, depositHash: 0, checkpointLogs: 0 };
  /** Deposit hashes by nonce, with the L1 block each landed in. */
  readonly deposits = new Map<bigint, { hash: Hex; block: number }>();
  down = false;
  running = 0;
  maxRunning = 0;
  private held: Promise<void> | null = null;
  private release: () => void = () => {};

  deposit(claim: DepositClaim, block: number): void {
    this.deposits.set(claim.nonce, { hash: depositHash(claim), block });
  }

  /** Reads wait until `open()`. */
  hold(): void {
    this.held = new Promise((resolve) => {
      this.release = resolve;
    });
  }

  open(): void {
    this.held = null;
    this.release();
  }

  private async answer<T>(value: () => T): Promise<T> {
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    try {
      if (this.held !== null) await this.held;
      if (this.down) throw new L1UnavailableError("L1: connect ECONNREFUSED");
      return value();
    } finally {
      this.running--;
    }
  }

  latestBlock(): Promise<number> {
    this.calls.blockNumber++;
    return this.answer(() => this.latest);
  }

  confirmedBlock(): Promise<number> {
    this.calls.finalizedBlock++;
    return this.answer(() => this.finalized);
  }

  confirmedDepositHash(): Promise<Hex> {
    throw new Error("the gate reads at the block it learnt, never through this");
  }

  depositHashAt(nonce: bigint, block: number): Promise<Hex> {
    this.calls.depositHash++;
    return this.answer(() => {
      const d = this.deposits.get(nonce);
      return d !== undefined && d.block <= block ? d.hash : ZERO_HASH;
    });
  }

  checkpointSubmissions(): Promise<CheckpointSubmission[]> {
    this.calls.checkpointLogs++;
    return this.answer(() => []);
  }

  close(): void {}
}

function gated(opts: Partial<L1GateOptions> = {}) {
  const l1 = new CountingL1();
  const clock = { now: 1_000_000 };
  let busy = 0;
  const gate = new L1Gate(
    { ...DEFAULT_L1_GATE, confirmations: 5, ...opts },
    { reader: l1, now: () => clock.now, onBusy: () => busy++ },
  );
  const pool = new ClaimPool(() => 0n);
  const intake = new DepositIntake({ pool, confirmer: createDepositConfirmer(gate), publish: () => {} });
  /** The next L1 block, seen once the gate's head has expired. */
  const nextBlock = () => {
    l1.latest++;
    l1.finalized++;
    clock.now += DEFAULT_L1_GATE.headTtlMs;
  };
  return { l1, clock, gate, pool, intake, nextBlock, busy: () => busy };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));
const NOT_ON_L1 = { ok: false, message: "deposit 7 is not on L1 or not final there yet" };

describe("L1Gate: deposit claims", () => {
  it("1,000 identical forged claims at once cost one depositHash read, and one more per new L1 block", async () => {
    const { l1, intake, nextBlock } = gated();
    const forged = testClaim(7n);
    const results = await Promise.all(Array.from({ length: 1_000 }, () => intake.submit(forged)));
    for (const r of results) assert.deepEqual(r, NOT_ON_L1);
    assert.equal(l1.calls.depositHash, 1);
    assert.equal(l1.calls.blockNumber, 1, "the head is learnt once for all of them");

    nextBlock();
    const again = await Promise.all(Array.from({ length: 1_000 }, () => intake.submit(forged)));
    for (const r of again) assert.deepEqual(r, NOT_ON_L1);
    assert.equal(l1.calls.depositHash, 2, "one more read at the new block");
    assert.equal(l1.calls.blockNumber, 2);
  });

  it("1,000 identical forged claims one after another cost one read per L1 block, however long they take", async () => {
    const { l1, clock, intake, nextBlock } = gated();
    const forged = testClaim(7n);
    for (let i = 0; i < 1_000; i++) {
      assert.deepEqual(await intake.submit(forged), NOT_ON_L1);
      clock.now += 5; // 5 s in all: the head is asked again every second, the deposit hash is not
    }
    assert.equal(l1.calls.depositHash, 1, "the L1 block did not change");
    assert.ok(l1.calls.blockNumber <= 6, `head asked ${l1.calls.blockNumber} times in 5 s`);
    nextBlock();
    for (let i = 0; i < 1_000; i++) assert.deepEqual(await intake.submit(forged), NOT_ON_L1);
    assert.equal(l1.calls.depositHash, 2);
  });

  it("a forged claim for a deposit that is on L1 costs one read ever: the final hash stays cached", async () => {
    const { l1, intake, nextBlock } = gated();
    const real = testClaim(3n);
    l1.deposit(real, 50);
    const forged = testClaim(3n, { amount: 10n ** 24n });
    for (let block = 0; block < 3; block++) {
      const results = await Promise.all(Array.from({ length: 1_000 }, () => intake.submit(forged)));
      for (const r of results)
        assert.deepEqual(r, { ok: false, message: "deposit claim 3 does not match L1" });
      nextBlock();
    }
    assert.equal(l1.calls.depositHash, 1);
    l1.down = true;
    assert.deepEqual(await intake.submit(real), { ok: true, status: "pending" }, "answered without L1");
    assert.equal(l1.calls.depositHash, 1);
  });

  it("the gate itself keeps a final hash across L1 blocks, and an unconfirmed one only for its block", async () => {
    const { l1, gate, nextBlock } = gated();
    l1.deposit(testClaim(1n), 10);
    assert.equal(await gate.confirmedDepositHash(1n), depositHash(testClaim(1n)));
    assert.equal(await gate.confirmedDepositHash(2n), ZERO_HASH);
    nextBlock();
    nextBlock();
    assert.equal(await gate.confirmedDepositHash(1n), depositHash(testClaim(1n)));
    assert.equal(await gate.confirmedDepositHash(2n), ZERO_HASH);
    assert.equal(l1.calls.depositHash, 3, "1 once; 2 once per block it was asked at");
  });

  it("a claim that was unconfirmed confirms at the next L1 block: no stale negative verdict", async () => {
    const { l1, intake, pool, nextBlock } = gated({ confirmations: 5 });
    const claim = testClaim(7n);
    l1.deposit(claim, 96); // latest 100 - 5 = 95 is the confirmed block: not final yet
    assert.deepEqual(await intake.submit(claim), NOT_ON_L1);
    nextBlock(); // confirmed block 96
    assert.deepEqual(await intake.submit(claim), { ok: true, status: "pending" });
    assert.deepEqual(pool.get(7n), claim);
    assert.equal(l1.calls.depositHash, 2);
  });

  it("an L1 head that is still fresh keeps the verdict even if L1 moved meanwhile", async () => {
    const { l1, clock, intake } = gated({ confirmations: 5 });
    const claim = testClaim(7n);
    assert.deepEqual(await intake.submit(claim), NOT_ON_L1);
    l1.deposit(claim, 95);
    l1.latest = 101;
    clock.now += DEFAULT_L1_GATE.headTtlMs - 1;
    assert.deepEqual(await intake.submit(claim), NOT_ON_L1, "within headTtlMs the head is not asked again");
    assert.equal(l1.calls.blockNumber, 1);
    clock.now += 1;
    assert.deepEqual(await intake.submit(claim), { ok: true, status: "pending" });
  });

  it("a claim too far ahead of the pool's window never reaches the gate", async () => {
    const { l1, intake } = gated();
    const far = await intake.submit(testClaim(1n << 62n));
    assert.equal(far.ok, false);
    assert.equal(l1.calls.depositHash + l1.calls.blockNumber, 0);
  });

  it("bounds its verdict cache: the oldest verdict goes first", async () => {
    const { l1, gate } = gated({ maxCachedVerdicts: 3 });
    for (const n of [1n, 2n, 3n, 4n]) l1.deposit(testClaim(n), 10);
    for (const n of [1n, 2n, 3n, 4n]) await gate.confirmedDepositHash(n);
    assert.equal(l1.calls.depositHash, 4);
    for (const n of [2n, 3n, 4n]) await gate.confirmedDepositHash(n);
    assert.equal(l1.calls.depositHash, 4, "2, 3 and 4 are kept");
    await gate.confirmedDepositHash(1n);
    assert.equal(l1.calls.depositHash, 5, "1 was dropped to keep the cache at 3");
  });
});

describe("L1Gate: head and concurrency", () => {
  it("learns the head once per headTtlMs for every caller, and derives the confirmed block from it", async () => {
    const { l1, clock, gate } = gated({ confirmations: 5 });
    l1.hold();
    const heads = Promise.all([gate.latestBlock(), gate.confirmedBlock(), gate.latestBlock()]);
    await settle();
    assert.equal(l1.calls.blockNumber, 1, "the callers join one request in flight");
    l1.open();
    assert.deepEqual(await heads, [100, 95, 100]);
    assert.equal(await gate.confirmedBlock(), 95);
    assert.equal(l1.calls.blockNumber, 1);
    assert.equal(l1.calls.finalizedBlock, 0, "no finalized tag with confirmations > 0");
    l1.latest = 3;
    clock.now += DEFAULT_L1_GATE.headTtlMs;
    assert.equal(await gate.confirmedBlock(), 0, "not below block 0");
    assert.equal(l1.calls.blockNumber, 2);
  });

  it("with confirmations 0 asks for the finalized block, once per headTtlMs", async () => {
    const { l1, clock, gate } = gated({ confirmations: 0 });
    assert.deepEqual(await Promise.all([gate.confirmedBlock(), gate.confirmedBlock()]), [90, 90]);
    assert.equal(l1.calls.finalizedBlock, 1);
    assert.equal(l1.calls.blockNumber, 0);
    l1.finalized = 91;
    clock.now += DEFAULT_L1_GATE.headTtlMs;
    assert.equal(await gate.confirmedBlock(), 91);
    assert.equal(l1.calls.finalizedBlock, 2);
  });

  it("keeps an L1 failure for headTtlMs, so a dead L1 is not asked by every caller, then tries again", async () => {
    const { l1, clock, gate, intake } = gated();
    l1.down = true;
    await assert.rejects(gate.confirmedBlock(), /ECONNREFUSED/);
    const r = await intake.submit(testClaim(7n));
    assert.equal(r.ok, false);
    assert.match(r.ok ? "" : r.message, /^cannot confirm deposit 7: .*ECONNREFUSED/);
    assert.equal(l1.calls.blockNumber, 1);
    l1.down = false;
    clock.now += DEFAULT_L1_GATE.headTtlMs;
    assert.equal(await gate.confirmedBlock(), 95);
    assert.equal(l1.calls.blockNumber, 2);
  });

  it("runs at most maxInFlight L1 calls; past a full queue callers hear 'L1 busy' at once", async () => {
    const { l1, gate, intake, busy } = gated({ maxInFlight: 2, maxQueued: 3 });
    await gate.confirmedBlock(); // the head is known: each claim below is one depositHash read
    l1.hold();
    const pending = Array.from({ length: 10 }, (_, i) => intake.submit(testClaim(BigInt(i))));
    await settle();
    assert.equal(l1.calls.depositHash, 2, "two reads run");
    assert.equal(l1.running, 2);
    assert.equal(busy(), 5, "three wait, five are refused");
    l1.open();
    const results = await Promise.all(pending);
    const refused = results.filter((r) => !r.ok && /^cannot confirm deposit \d+: L1 busy$/.test(r.message));
    assert.equal(refused.length, 5);
    assert.equal(results.filter((r) => !r.ok && /not on L1/.test(r.message)).length, 5);
    assert.equal(l1.calls.depositHash, 5);
    assert.equal(l1.maxRunning, 2);
  });

  it("identical lookups join one read and take no queue place of their own", async () => {
    const { l1, gate } = gated({ maxInFlight: 1, maxQueued: 0 });
    await gate.confirmedBlock();
    l1.hold();
    const same = Array.from({ length: 100 }, () => gate.confirmedDepositHash(9n));
    await settle();
    l1.open();
    for (const hash of await Promise.all(same)) assert.equal(hash, ZERO_HASH);
    assert.equal(l1.calls.depositHash, 1);
  });

  it("the checkpoint tracker goes through the gate: the shared head and the same cap", async () => {
    const { l1, gate } = gated({ maxInFlight: 1, maxQueued: 0 });
    const tracker = new CheckpointTracker(90, gate);
    await tracker.refresh();
    assert.equal(l1.calls.blockNumber, 1, "latest and confirmed block from one eth_blockNumber");
    assert.equal(l1.calls.checkpointLogs, 1);
    l1.hold();
    const busyLookup = gate.confirmedDepositHash(1n);
    await settle();
    await assert.rejects(gate.checkpointSubmissions(0, 10), /L1 busy/);
    l1.open();
    await busyLookup;
  });
});
