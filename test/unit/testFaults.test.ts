import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CRASH_AFTER_BLOCK_WRITE_ENV, testFaultHooks } from "../../cli/run/testFaults.ts";
import { ConfigError } from "../../node/config/errors.ts";

describe("fault-injection hooks (OUTRIGGER_TEST_FAULTS=1 only)", () => {
  it("sets no hook when no fault is asked for", () => {
    assert.deepEqual(testFaultHooks({}), {});
    assert.deepEqual(testFaultHooks({ [CRASH_AFTER_BLOCK_WRITE_ENV]: "" }), {});
  });

  it("refuses a height that is not a whole number, naming the variable", () => {
    assert.throws(
      () => testFaultHooks({ [CRASH_AFTER_BLOCK_WRITE_ENV]: "ten" }),
      (err: unknown) => err instanceof ConfigError && err.message.includes(CRASH_AFTER_BLOCK_WRITE_ENV),
    );
  });

  it("kills the process with SIGKILL after the block of that height is written, and not before", (t) => {
    const kills: (string | number | undefined)[] = [];
    t.mock.method(process, "kill", (_pid: number, signal?: string | number) => {
      kills.push(signal);
      return true;
    });
    const hooks = testFaultHooks({ [CRASH_AFTER_BLOCK_WRITE_ENV]: "7" });
    hooks.afterBlockWrite?.(6);
    assert.deepEqual(kills, []);
    hooks.afterBlockWrite?.(7);
    assert.deepEqual(kills, ["SIGKILL"]);
  });
});
