import { ok, rejects, strictEqual } from "node:assert/strict";
import { describe, test } from "node:test";
import { AppError, type Application } from "../../node/app/index.ts";
import type { Address, Hex } from "../../node/crypto/index.ts";
import { WorkBudget, WorkTimeoutError } from "../../node/util/workBudget.ts";
import { alice, bob, ETHER, runBlock, signTx, testApp } from "../helpers/appFixture.ts";

/** Init code that deploys `runtime` as the contract's code. */
function initCodeFor(runtime: string): Hex {
  const length = runtime.length / 2;
  if (length > 0xff) throw new Error("runtime too long for this helper");
  const len = length.toString(16).padStart(2, "0");
  // PUSH1 len DUP1 PUSH1 11 PUSH1 0 CODECOPY PUSH1 0 RETURN, then the runtime at offset 11.
  return `0x60${len}80600b6000396000f3${runtime}`;
}

async function deploy(app: Application, runtime: string, nonce: number): Promise<Address> {
  const raw = await signTx(alice, { to: null, data: initCodeFor(runtime), nonce, gasLimit: 1_000_000n });
  const result = await runBlock(app, [raw]);
  const address = result.receipts[0]?.contractAddress;
  ok(address !== undefined && address !== null, `deployment failed: ${result.txResults[0]?.error}`);
  return address;
}

/** JUMPDEST PUSH1 0 JUMP: a loop that only gas ends. */
const SPIN = "5b600056";

/** Counts `iterations` down, then returns BALANCE(`who`) as one word. */
function countdownThenBalance(iterations: number, who: Address): string {
  const k = iterations.toString(16).padStart(6, "0");
  return `62${k}5b60019003806004575073${who.slice(2)}3160005260206000f3`;
}

describe("eth_call's work budget", () => {
  test("a call that would spin until the gas cap is stopped at its deadline, letting timers run meanwhile", async () => {
    const app = testApp();
    const spinner = await deploy(app, SPIN, 0);
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 5);
    try {
      const budget = new WorkBudget({ timeoutMs: 300 });
      await rejects(app.call({ to: spinner, data: "0x" }, budget), WorkTimeoutError);
      ok(budget.expired, "the budget is spent when the call gives up");
    } finally {
      clearInterval(ticker);
    }
    // The call gives the event loop a turn every slice, so the interval fired while it ran.
    ok(ticks > 0, "timers ran while the call did");
    await rejects(
      app.estimateGas({ to: spinner, data: "0x" }, new WorkBudget({ timeoutMs: 100 })),
      WorkTimeoutError,
    );
  });

  test("a call that runs out of gas fails as geth says, not as a revert", async () => {
    const app = testApp();
    const spinner = await deploy(app, SPIN, 0);
    await rejects(
      app.call({ to: spinner, data: "0x", gas: 50_000n }),
      (err: unknown) =>
        err instanceof AppError && err.code === "invalid-call" && err.message === "out of gas",
    );
    await rejects(
      app.estimateGas({ to: spinner, data: "0x", gas: 50_000n }),
      (err: unknown) =>
        err instanceof AppError &&
        err.code === "invalid-call" &&
        err.message === "gas required exceeds allowance (50000)",
    );
  });

  test("a budget already spent stops the call before it starts any frame", async () => {
    const app = testApp();
    const spinner = await deploy(app, SPIN, 0);
    const budget = new WorkBudget({ timeoutMs: 1000 });
    budget.abort();
    await rejects(app.call({ to: spinner, data: "0x" }, budget), WorkTimeoutError);
  });

  test("a call reads the state as it began, even when a block commits while it runs", async () => {
    const app = testApp();
    const reader = await deploy(app, countdownThenBalance(5_000, bob.address.toLowerCase() as Address), 0);
    const before = await app.call({ to: reader, data: "0x" });
    let committedDuringCall = false;
    let callDone = false;
    const call = app
      .call({ to: reader, data: "0x" }, new WorkBudget({ timeoutMs: 60_000, sliceMs: 1 }))
      .then((r) => {
        callDone = true;
        return r;
      });
    const transfer = await signTx(alice, { to: bob.address, value: ETHER, nonce: 1 });
    await runBlock(app, [transfer]);
    committedDuringCall = !callDone;
    strictEqual(await call, before, "the call saw the balance of the block it began on");
    ok(committedDuringCall, "the block committed while the call ran");
    const after = await app.call({ to: reader, data: "0x" });
    strictEqual(BigInt(after) - BigInt(before), ETHER, "a later call sees the new balance");
  });
});
