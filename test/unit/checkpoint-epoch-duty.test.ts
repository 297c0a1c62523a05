import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EpochDuty } from "../../node/checkpoint/epochDuty.ts";
import type { Block } from "../../node/types/index.ts";
import { silentLogger } from "../../node/util/logger.ts";

function block(height: number, checkpointNumbers: number[] = []): Block {
  return {
    header: { height },
    checkpoints: checkpointNumbers.map((number) => ({ checkpoint: { number } })),
  } as unknown as Block;
}

function setup(signing: { value: boolean }, failEpochEnd = false) {
  const calls: string[] = [];
  const warnings: string[] = [];
  let listener: ((info: { block: Block }) => void) | null = null;
  const duty = new EpochDuty(
    { epochLength: 4 },
    {
      coordinator: {
        included: (upTo) => void calls.push(`included ${upTo}`),
        onEpochEnd: async (number, sign) => {
          calls.push(`epoch ${number} sign=${sign}`);
          if (failEpochEnd) throw new Error("store closed");
        },
      },
      chain: {
        onCommitted: (l) => {
          listener = l;
          return () => {
            listener = null;
          };
        },
      },
      sync: {
        get syncing() {
          return !signing.value;
        },
      },
      logger: { ...silentLogger, warn: (_o, msg) => void warnings.push(msg ?? "") },
    },
  );
  duty.start();
  const commit = (b: Block) => (listener as ((info: { block: Block }) => void) | null)?.({ block: b });
  return { duty, calls, warnings, commit, subscribed: () => listener !== null };
}

describe("EpochDuty", () => {
  it("forgets what a block carried and ends each epoch, signing only once synced", () => {
    const signing = { value: false };
    const { calls, commit } = setup(signing);
    commit(block(3));
    commit(block(4));
    signing.value = true;
    commit(block(5, [1, 2]));
    commit(block(8));
    assert.deepEqual(calls, ["epoch 1 sign=false", "included 2", "epoch 2 sign=true"]);
  });

  it("logs a failed epoch end and unsubscribes on stop", async () => {
    const { duty, warnings, commit, subscribed } = setup({ value: true }, true);
    commit(block(4));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(warnings, ["checkpoint signing failed"]);
    duty.stop();
    assert.equal(subscribed(), false);
  });

  it("after a restart and its sync, takes up the last ended epoch's checkpoint unless a block carries it", async () => {
    const cases: [string, number, number, string[]][] = [
      ["restarted after epoch 3's end, checkpoint 2 included", 13, 2, ["included 2", "epoch 3 sign=true"]],
      ["checkpoint 3 already included", 13, 3, ["included 3"]],
      ["before the first epoch's end", 3, 0, ["included 0"]],
      ["exactly at the end of epoch 3", 12, 2, ["included 2", "epoch 3 sign=true"]],
    ];
    for (const [what, head, included, expected] of cases) {
      const calls: string[] = [];
      const sync = { syncing: true };
      const duty = new EpochDuty(
        { epochLength: 4, resumePollMs: 5 },
        {
          coordinator: {
            included: (upTo) => void calls.push(`included ${upTo}`),
            onEpochEnd: async (number, sign) => void calls.push(`epoch ${number} sign=${sign}`),
          },
          chain: { onCommitted: () => () => {} },
          sync,
          resume: { headHeight: () => head, includedNumber: async () => included },
          logger: silentLogger,
        },
      );
      duty.start();
      await new Promise((r) => setTimeout(r, 30));
      assert.deepEqual(calls, [], `${what}: nothing while the initial sync runs`);
      sync.syncing = false;
      await new Promise((r) => setTimeout(r, 30));
      assert.deepEqual(calls, expected, what);
      duty.stop();
    }
  });

  it("stop() before the sync ends cancels the resume", async () => {
    const calls: string[] = [];
    const sync = { syncing: true };
    const duty = new EpochDuty(
      { epochLength: 4, resumePollMs: 5 },
      {
        coordinator: {
          included: (upTo) => void calls.push(`included ${upTo}`),
          onEpochEnd: async (number) => void calls.push(`epoch ${number}`),
        },
        chain: { onCommitted: () => () => {} },
        sync,
        resume: { headHeight: () => 8, includedNumber: async () => 0 },
        logger: silentLogger,
      },
    );
    duty.start();
    duty.stop();
    sync.syncing = false;
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(calls, []);
  });
});
