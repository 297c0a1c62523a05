import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConsensusDriver, type DriverPorts, driverOptions } from "../../node/chain/consensusDriver.ts";
import type { ConsensusEngine, EngineAction, EngineEvent } from "../../node/consensus/messages.ts";
import { Step } from "../../node/consensus/messages.ts";
import type { ValidatorSet } from "../../node/consensus/validatorSet.ts";
import type { Commit } from "../../node/types/index.ts";

type Block = { height: number };

/** An engine that decides its height on any timeout event, and starts the heights it is sent. */
function decidingEngine(): ConsensusEngine<Block> {
  let height = 0;
  return {
    handle(event: EngineEvent<Block>): EngineAction<Block>[] {
      if (event.kind === "startHeight") {
        height = event.height;
        return [];
      }
      if (event.kind !== "timeout") return [];
      return [
        {
          kind: "commit",
          height,
          value: { block: { height }, blockHash: "0x00" },
          commit: { height, round: 0, blockHash: "0x00", signatures: [] } as unknown as Commit,
        },
      ];
    },
    knows: () => false,
    get height() {
      return height;
    },
    round: 0,
    step: Step.Propose,
    catchUp: () => ({}) as ReturnType<ConsensusEngine<Block>["catchUp"]>,
  };
}

function driverWithClock(blockIntervalMs: number) {
  let clock = 10_000;
  const timers: { ms: number; fire: () => void }[] = [];
  const ports: DriverPorts<Block> = {
    signVote: async () => {
      throw new Error("unused");
    },
    signProposal: async () => {
      throw new Error("unused");
    },
    broadcastVote: () => {},
    broadcastProposal: () => {},
    buildBlock: async () => {
      throw new Error("unused");
    },
    validateBlock: async () => true,
    commitBlock: async () => ({}) as ValidatorSet,
    recordWal: async () => {},
    reportEvidence: () => {},
    onError: (err) => {
      throw err;
    },
    setTimer: (ms, fire) => {
      timers.push({ ms, fire });
      return () => {};
    },
    now: () => clock,
  };
  const driver = new ConsensusDriver<Block>(decidingEngine(), ports, driverOptions(blockIntervalMs));
  const decideAfter = async (ms: number) => {
    clock += ms;
    driver.submit({ kind: "timeout", height: 1, round: 0, step: Step.Propose });
    await driver.idle();
    return timers.at(-1)?.ms;
  };
  return { driver, decideAfter, timers };
}

describe("consensus driver: the block interval", () => {
  it("counts the interval from the height's start, so a quick decision waits out the rest", async () => {
    const { driver, decideAfter } = driverWithClock(1_000);
    driver.start(1, {} as ValidatorSet);
    await driver.idle();
    assert.equal(await decideAfter(150), 850);
  });

  it("a height that took longer than the interval moves on after the least wait for late precommits", async () => {
    const { driver, decideAfter } = driverWithClock(1_000);
    driver.start(1, {} as ValidatorSet);
    await driver.idle();
    assert.equal(await decideAfter(1_400), 250, "a quarter of the interval");
    assert.equal(driverOptions(750).minCommitWaitMs, 187);
  });

  it("the next height starts when its timer fires, and its interval counts from then", async () => {
    const { driver, decideAfter, timers } = driverWithClock(1_000);
    driver.start(1, {} as ValidatorSet);
    await driver.idle();
    await decideAfter(100);
    timers.at(-1)?.fire();
    await driver.idle();
    assert.equal(await decideAfter(700), 300);
  });
});
