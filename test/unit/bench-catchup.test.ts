import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type CatchUpReport,
  catchUpFigures,
  formatCatchUpReport,
  judgeCatchUp,
  perSecond,
} from "../../bench/lib/catchupReport.ts";
import { parseSyncBenchOutput, SyncBenchOutputError } from "../../bench/lib/syncBound.ts";

const run = {
  heightAtKill: 100,
  target: 5_100,
  rpcUpSeconds: 2,
  syncStartSeconds: 3,
  heightAtSyncStart: 600,
  caughtUpSeconds: 12,
};

describe("catch-up bench: figures", () => {
  it("rates the sync over the blocks and time between the first height seen moving and the target", () => {
    assert.deepEqual(catchUpFigures(run), {
      blocksMissed: 5_000,
      catchUpSeconds: 12,
      afterRpcSeconds: 10,
      syncBlocksPerSecond: 500,
      overallBlocksPerSecond: 417,
    });
  });

  it("rounds rates to whole numbers above 100 and to two decimals below, and a zero time to 0", () => {
    assert.equal(perSecond(1_001, 2), 501);
    assert.equal(perSecond(10, 3), 3.33);
    assert.equal(perSecond(10, 0), 0);
  });
});

describe("catch-up bench: issue 11's check", () => {
  const benchSync = (blocksPerSecond: number) => ({ blocks: 1_000, seconds: 1, blocksPerSecond });

  it("is met at or above the fastest bench/sync.ts rate, and not below it", () => {
    const figures = catchUpFigures(run);
    assert.deepEqual(
      {
        ratio: judgeCatchUp(figures, [benchSync(500)]).ratio,
        met: judgeCatchUp(figures, [benchSync(500)]).met,
      },
      { ratio: 1, met: true },
    );
    const slower = judgeCatchUp(figures, [benchSync(800), benchSync(300)]);
    assert.equal(slower.ratio, 0.625);
    assert.equal(slower.met, false);
  });

  it("is not judged below 5,000 missed blocks or without the bench/sync.ts rate", () => {
    const short = catchUpFigures({ ...run, target: 1_100, heightAtSyncStart: 100 });
    const judged = judgeCatchUp(short, [benchSync(50)]);
    assert.equal(judged.met, null);
    assert.ok(judged.ratio !== null && judged.ratio > 1);
    assert.deepEqual(judgeCatchUp(catchUpFigures(run), []), {
      statement: judged.statement,
      ratio: null,
      met: null,
    });
  });

  it("prints the figures, the ratio and the verdict", () => {
    const figures = catchUpFigures(run);
    const report: CatchUpReport = {
      settings: { validators: 4, blocks: 5_000, timeouts: {}, syncBenchBlocks: 1_000 },
      chainBlocksPerSecond: 10,
      run,
      figures,
      follow: { blocks: 20, followed: true, seconds: 2, maxLag: 3, commitsSigned: 7 },
      benchSync: [benchSync(300), benchSync(800)],
      goal: judgeCatchUp(figures, [benchSync(800), benchSync(300)]),
    };
    const text = formatCatchUpReport(report);
    assert.match(text, /5,000 +2 +12 +10 +500 +417 +800 +0\.625/);
    assert.match(text, /followed the tip for 20 blocks: yes/);
    assert.match(text, /before \/ after the cluster\): 300 \/ 800 blocks\/s/);
    assert.match(text, /: not met$/);
  });
});

describe("catch-up bench: bench/sync.ts output", () => {
  it("reads the empty-block row of the JSON that precedes the table", () => {
    const json = JSON.stringify(
      { empty: { blocks: 1000, seconds: 1.71, blocksPerSecond: 586, goal: 1 } },
      null,
      2,
    );
    assert.deepEqual(parseSyncBenchOutput(`${json}\n\nblocks synced  count\n---\n`), {
      blocks: 1000,
      seconds: 1.71,
      blocksPerSecond: 586,
    });
  });

  it("says what is missing instead of returning a wrong rate", () => {
    assert.throws(() => parseSyncBenchOutput("Error: boom\n"), SyncBenchOutputError);
    assert.throws(
      () => parseSyncBenchOutput(JSON.stringify({ empty: { blocks: 1, seconds: 1 } })),
      /empty\.\{blocks,seconds,blocksPerSecond\}/,
    );
  });
});
