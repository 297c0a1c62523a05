import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { EventEmitter } from "node:events";
import { describe, it } from "node:test";
import { DEVNET_RESTART, supervise } from "../../cli/devnet/supervisor.ts";

const fakeChild = () => new EventEmitter() as unknown as ChildProcess;
const settle = () => new Promise((resolve) => setImmediate(resolve));

function harness(opts: { failStarts?: number } = {}) {
  let clock = 0;
  let stopping = false;
  let failStarts = opts.failStarts ?? 0;
  const said: string[] = [];
  const timers: { ms: number; fire: () => void }[] = [];
  const runs: ChildProcess[] = [fakeChild()];
  supervise(
    "validator 2",
    { child: runs[0] as ChildProcess },
    {
      start: async () => {
        if (failStarts-- > 0) throw new Error("port in use");
        const child = fakeChild();
        runs.push(child);
        return { child };
      },
      stopping: () => stopping,
      say: (line) => void said.push(line),
      now: () => clock,
      setTimer: (ms, fire) => void timers.push({ ms, fire }),
    },
  );
  const exit = (signal: string | null = "SIGKILL") =>
    (runs.at(-1) as ChildProcess).emit("exit", null, signal);
  const fireNext = async () => {
    const timer = timers.shift();
    assert.ok(timer, "a restart was scheduled");
    timer.fire();
    await settle();
    return timer.ms;
  };
  return {
    runs,
    said,
    timers,
    exit,
    fireNext,
    advance: (ms: number) => (clock += ms),
    stop: () => (stopping = true),
  };
}

describe("devnet supervisor", () => {
  it("restarts a child that died, waiting longer after each quick exit and less after a healthy run", async () => {
    const h = harness();
    h.exit();
    assert.match(h.said[0] ?? "", /validator 2 exited \(SIGKILL\); restarting it in 1 s/);
    assert.equal(await h.fireNext(), DEVNET_RESTART.firstDelayMs);
    assert.equal(h.runs.length, 2);
    h.exit(null);
    assert.equal(await h.fireNext(), 2 * DEVNET_RESTART.firstDelayMs, "a quick exit doubles the wait");
    h.advance(DEVNET_RESTART.healthyAfterMs);
    h.exit();
    assert.equal(await h.fireNext(), DEVNET_RESTART.firstDelayMs, "a healthy run resets it");
    assert.equal(h.runs.length, 4);
  });

  it("tries again when a restart fails to start, and never restarts once the devnet is stopping", async () => {
    const h = harness({ failStarts: 1 });
    h.exit();
    await h.fireNext();
    assert.match(h.said.at(-1) ?? "", /did not start \(port in use\); trying again in 2 s/);
    await h.fireNext();
    assert.equal(h.runs.length, 2);
    h.stop();
    h.exit();
    assert.equal(h.timers.length, 0, "nothing scheduled while stopping");
  });
});
