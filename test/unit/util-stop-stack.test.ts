import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { StopStack } from "../../node/util/stopStack.ts";

describe("StopStack", () => {
  it("stops last first, goes on past a failing stop, and stops each only once", async () => {
    const order: string[] = [];
    const warnings: string[] = [];
    const stops = new StopStack({ warn: (_o, msg) => void warnings.push(msg ?? "") });
    stops.push(() => void order.push("db"));
    stops.push(async () => {
      order.push("network");
      throw new Error("already closed");
    });
    const service = stops.start({
      start: () => void order.push("start"),
      stop: () => void order.push("service"),
    });
    assert.ok(service);
    await stops.stopAll();
    await stops.stopAll();
    assert.deepEqual(order, ["start", "service", "network", "db"]);
    assert.deepEqual(warnings, ["error while stopping"]);
  });
});
