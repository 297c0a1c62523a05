import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConcurrencyGate, GateFullError } from "../../node/util/concurrencyGate.ts";

describe("ConcurrencyGate", () => {
  it("hands a freed slot to the next waiter, in order, and refuses past its queue", async () => {
    const gate = new ConcurrencyGate({ maxRunning: 1, maxWaiting: 2 });
    const order: number[] = [];
    let release: () => void = () => {};
    const first = gate.run(
      () =>
        new Promise<void>((resolve) => {
          release = resolve;
        }),
    );
    const waiters = [1, 2].map((n) => gate.run(async () => void order.push(n)));
    await assert.rejects(
      gate.run(async () => 3),
      (err: unknown) => err instanceof GateFullError,
    );
    assert.equal(gate.running, 1);
    assert.equal(gate.waiting, 2);
    release();
    await first;
    await Promise.all(waiters);
    assert.deepEqual(order, [1, 2]);
    assert.equal(gate.running, 0);
    await assert.rejects(
      gate.run(async () => {
        throw new Error("boom");
      }),
      /boom/,
    );
    assert.equal(gate.running, 0, "a failed item frees its slot");
  });

  it("runs up to maxRunning items at once", async () => {
    const gate = new ConcurrencyGate({ maxRunning: 3, maxWaiting: 10 });
    let now = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 10 }, () =>
        gate.run(async () => {
          now++;
          peak = Math.max(peak, now);
          await new Promise((r) => setTimeout(r, 2));
          now--;
        }),
      ),
    );
    assert.equal(peak, 3);
  });
});
