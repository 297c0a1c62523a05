import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type AddResult, MempoolError, TxAdmission, type TxOrigin } from "../../node/mempool/index.ts";

const raw = (n: number) => Uint8Array.of(n);

/**
 * A pool whose checks each cost `costMs` on a fake clock, refusing raw bytes 9 as invalid; and a yield that runs
 * whatever the test queued as "other work" (what the event loop would serve between slices).
 */
function fixture(opts: { maxQueued: number; sliceMs: number; costMs?: number; maxWaitMs?: number }) {
  let clock = 0;
  const checked: [number, TxOrigin][] = [];
  const between: string[] = [];
  const otherWork: (() => void)[] = [];
  const admission = new TxAdmission(
    { maxQueued: opts.maxQueued, maxWaitMs: opts.maxWaitMs ?? 1e9, sliceMs: opts.sliceMs },
    {
      mempool: {
        add(bytes, origin = "local"): AddResult {
          clock += opts.costMs ?? 1;
          checked.push([bytes[0] as number, origin]);
          if (bytes[0] === 9) throw new MempoolError("invalid", "bad signature");
          return { hash: `0x0${bytes[0]}`, replaced: null, evicted: null };
        },
      },
      elapsed: () => clock,
      yieldNow: () =>
        new Promise<void>((resolve) =>
          setImmediate(() => {
            between.push(`after ${checked.length}`);
            for (const work of otherWork.splice(0)) work();
            resolve();
          }),
        ),
    },
  );
  return { admission, checked, between, otherWork };
}

describe("transaction admission", () => {
  it("settles each transaction as the pool does: its result, or the pool's error", async () => {
    const { admission, checked } = fixture({ maxQueued: 8, sliceMs: 5 });
    const ok = admission.admit(raw(1), "local");
    const bad = admission.admit(raw(9), "local");
    assert.equal((await ok).hash, "0x01");
    await assert.rejects(bad, (err: MempoolError) => err.code === "invalid");
    assert.deepEqual(checked, [
      [1, "local"],
      [9, "local"],
    ]);
    assert.equal(admission.queued, 0);
  });

  it("runs checks in slices and lets other work run between them", async () => {
    const { admission, between } = fixture({ maxQueued: 100, sliceMs: 3, costMs: 1 });
    await Promise.all(Array.from({ length: 10 }, (_, i) => admission.admit(raw(i + 10), "local")));
    // A turn before the first check, then one after every 3 ms of checks.
    assert.deepEqual(between, ["after 0", "after 3", "after 6", "after 9"]);
  });

  it("serves work that arrives during a flood before the checks queued behind it", async () => {
    const { admission, checked, otherWork } = fixture({ maxQueued: 100, sliceMs: 2, costMs: 1 });
    const order: string[] = [];
    const all = Array.from({ length: 6 }, (_, i) => admission.admit(raw(i), "local"));
    otherWork.push(() => order.push(`vote after ${checked.length} checks`));
    await Promise.all(all);
    assert.deepEqual(order, ["vote after 0 checks"]);
  });

  it("refuses a transaction at once with 'busy' when the queue is full, and counts it", async () => {
    const { admission, checked } = fixture({ maxQueued: 2, sliceMs: 5 });
    const first = admission.admit(raw(1), "local");
    const second = admission.admit(raw(2), "local");
    await assert.rejects(admission.admit(raw(3), "local"), (err: MempoolError) => {
      assert.equal(err.code, "busy");
      assert.match(err.message, /^txpool is busy: 2 transactions are waiting/);
      return true;
    });
    assert.equal(admission.refused, 1);
    await Promise.all([first, second]);
    assert.deepEqual(
      checked.map(([n]) => n),
      [1, 2],
      "the refused one was never checked",
    );
    assert.equal((await admission.admit(raw(4), "local")).hash, "0x04", "room again once the queue drained");
  });

  it("refuses what would wait longer than maxWaitMs at the rate it has been checking", async () => {
    const { admission } = fixture({ maxQueued: 100, sliceMs: 2, costMs: 1, maxWaitMs: 3 });
    assert.equal(admission.expectedWaitMs, 0, "nothing measured yet");
    await Promise.all(Array.from({ length: 6 }, (_, i) => admission.admit(raw(i + 10), "local")));
    // One check a millisecond: three queued ones are 3 ms of waiting, a fourth would be more.
    const queued = [1, 2, 3].map((n) => admission.admit(raw(n), "local"));
    assert.equal(admission.expectedWaitMs, 3);
    await assert.rejects(admission.admit(raw(4), "local"), (err: MempoolError) => err.code === "busy");
    assert.equal(admission.admitBatch([raw(5)], "peer"), null);
    assert.equal(admission.refused, 2);
    await Promise.all(queued);
    assert.equal(admission.expectedWaitMs, 0);
  });

  it("takes a peer's batch whole or not at all; an empty queue takes any batch", async () => {
    const { admission, checked } = fixture({ maxQueued: 3, sliceMs: 5 });
    const pending = admission.admit(raw(1), "local");
    assert.equal(admission.admitBatch([raw(2), raw(3), raw(4)], "peer"), null, "1 queued + 3 > 3");
    assert.equal(admission.refused, 3);
    const fits = admission.admitBatch([raw(5), raw(9)], "peer");
    assert.ok(fits !== null);
    const outcomes = await fits;
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ["fulfilled", "rejected"],
    );
    await pending;
    const big = admission.admitBatch([raw(6), raw(7), raw(8), raw(10)], "peer");
    assert.ok(big !== null, "larger than the queue, but nothing waits");
    assert.equal((await big).length, 4);
    assert.deepEqual(
      checked.map(([n, origin]) => `${n}${origin[0]}`),
      ["1l", "5p", "9p", "6p", "7p", "8p", "10p"],
    );
  });

  it("keeps serving after many rounds of its queue (the settled prefix is dropped, order kept)", async () => {
    const { admission, checked } = fixture({ maxQueued: 5_000, sliceMs: 50, costMs: 0.01 });
    const results = await Promise.all(
      Array.from({ length: 3_000 }, (_, i) => admission.admit(raw(i % 8), "local")),
    );
    assert.equal(results.length, 3_000);
    assert.deepEqual(
      checked.slice(0, 9).map(([n]) => n),
      [0, 1, 2, 3, 4, 5, 6, 7, 0],
    );
    assert.equal(admission.queued, 0);
  });

  it("refuses options that would never admit or never yield", () => {
    const mempool = { add: () => ({ hash: "0x00" as const, replaced: null, evicted: null }) };
    assert.throws(
      () => new TxAdmission({ maxQueued: 0, maxWaitMs: 1, sliceMs: 5 }, { mempool }),
      /maxQueued/,
    );
    assert.throws(
      () => new TxAdmission({ maxQueued: 1, maxWaitMs: 0, sliceMs: 5 }, { mempool }),
      /maxWaitMs/,
    );
    assert.throws(
      () => new TxAdmission({ maxQueued: 1, maxWaitMs: 1, sliceMs: Number.NaN }, { mempool }),
      /sliceMs/,
    );
  });
});
