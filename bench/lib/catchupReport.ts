import type { BenchSync } from "./syncBound.ts";
import { formatTable } from "./table.ts";

/** Issue 11's check; it names no tolerance, so "met" means at least the rate bench/sync.ts printed. */
export const CATCHUP_GOAL = {
  statement: "a validator that was down for 5,000 blocks catches up at the printed sync rate",
  minBlocksMissed: 5_000,
} as const;

/** Times in seconds from the restarted process's spawn; heights as its RPC reported them. */
export interface CatchUpRun {
  /** Its height read just before the SIGKILL (it may have committed one more block before dying). */
  heightAtKill: number;
  /** The others' head when it was started again: what it has to reach. */
  target: number;
  /** Its ready line: RPC answering. */
  rpcUpSeconds: number;
  /**
   * The last poll that still saw the height it restarted with (block sync had not applied anything yet), and
   * that height; its RPC-up time and heightAtKill when its first answer was already at target.
   */
  syncStartSeconds: number;
  heightAtSyncStart: number;
  /** The first poll that saw it at target or above. */
  caughtUpSeconds: number;
}

export interface CatchUpFigures {
  blocksMissed: number;
  /** From spawn to the target height, start-up included. */
  catchUpSeconds: number;
  /** From its RPC answering to the target: what a user waits for once the node is up. */
  afterRpcSeconds: number;
  /** Blocks per second while block sync ran: from heightAtSyncStart to target over the time between the two polls. */
  syncBlocksPerSecond: number;
  /** Blocks missed over catchUpSeconds: the rate counting start-up. */
  overallBlocksPerSecond: number;
}

/** Whole above 100 and to two decimals below. */
export function perSecond(count: number, seconds: number): number {
  if (!(seconds > 0)) return 0;
  const r = count / seconds;
  return r >= 100 ? Math.round(r) : Number(r.toFixed(2));
}

const seconds = (s: number) => Number(s.toFixed(2));

export function catchUpFigures(run: CatchUpRun): CatchUpFigures {
  const blocksMissed = run.target - run.heightAtKill;
  return {
    blocksMissed,
    catchUpSeconds: seconds(run.caughtUpSeconds),
    afterRpcSeconds: seconds(run.caughtUpSeconds - run.rpcUpSeconds),
    syncBlocksPerSecond: perSecond(
      run.target - run.heightAtSyncStart,
      run.caughtUpSeconds - run.syncStartSeconds,
    ),
    overallBlocksPerSecond: perSecond(blocksMissed, run.caughtUpSeconds),
  };
}

export interface CatchUpGoal {
  statement: string;
  /** Catch-up sync rate over the fastest bench/sync.ts rate of the run. */
  ratio: number | null;
  /** null when the run missed fewer blocks than the issue's check, or the bench/sync.ts rate was not measured. */
  met: boolean | null;
}

/** The fastest of the bench/sync.ts runs: a shared machine's other work only ever slows one. */
export function fastestSync(runs: readonly BenchSync[]): BenchSync | null {
  return runs.reduce<BenchSync | null>(
    (best, r) => (best === null || r.blocksPerSecond > best.blocksPerSecond ? r : best),
    null,
  );
}

export function judgeCatchUp(figures: CatchUpFigures, measured: readonly BenchSync[]): CatchUpGoal {
  const fastest = fastestSync(measured);
  const ratio =
    fastest === null || fastest.blocksPerSecond <= 0
      ? null
      : Number((figures.syncBlocksPerSecond / fastest.blocksPerSecond).toPrecision(3));
  const judged = ratio !== null && figures.blocksMissed >= CATCHUP_GOAL.minBlocksMissed;
  return { statement: CATCHUP_GOAL.statement, ratio, met: judged ? ratio >= 1 : null };
}

export interface FollowFigures {
  /** Heights the others committed after it caught up, that it had to follow. */
  blocks: number;
  /** Whether it reached the others' head at the end of them within the wait. */
  followed: boolean;
  seconds: number;
  /** The largest gap seen between the others' head and its own while following. */
  maxLag: number;
  /** Of those heights, how many stored commits hold its precommit (a quorum may be sealed before it arrives). */
  commitsSigned: number | null;
}

export interface CatchUpReport {
  settings: {
    validators: number;
    blocks: number;
    timeouts: Record<string, number>;
    syncBenchBlocks: number | null;
  };
  /** Blocks per second the three remaining validators committed while the fourth was down. */
  chainBlocksPerSecond: number;
  run: CatchUpRun;
  figures: CatchUpFigures;
  follow: FollowFigures;
  /** bench/sync.ts's empty-block sync, before the cluster started and after it stopped (empty if skipped). */
  benchSync: BenchSync[];
  goal: CatchUpGoal;
}

export function formatCatchUpReport(report: CatchUpReport): string {
  const { figures, benchSync, goal, follow, run } = report;
  const verdict = goal.met === null ? "not judged" : goal.met ? "met" : "not met";
  const main = formatTable(
    [
      "blocks missed",
      "RPC up s",
      "caught up s",
      "after RPC s",
      "sync blocks/s",
      "overall blocks/s",
      "bench sync blocks/s",
      "ratio",
    ],
    [
      [
        figures.blocksMissed,
        seconds(run.rpcUpSeconds),
        figures.catchUpSeconds,
        figures.afterRpcSeconds,
        figures.syncBlocksPerSecond,
        figures.overallBlocksPerSecond,
        fastestSync(benchSync)?.blocksPerSecond ?? "-",
        goal.ratio ?? "-",
      ],
    ],
  );
  const followLine =
    `then followed the tip for ${follow.blocks} blocks: ${follow.followed ? "yes" : "NO"}` +
    ` (max lag ${follow.maxLag}, ${follow.seconds} s` +
    `${follow.commitsSigned === null ? "" : `, its precommit in ${follow.commitsSigned} of ${follow.blocks} commits`})`;
  return [
    main,
    "",
    `chain while it was down: ${report.chainBlocksPerSecond} blocks/s`,
    benchSync.length === 0
      ? "block sync (bench/sync.ts): not measured"
      : `block sync (bench/sync.ts, empty blocks, before / after the cluster): ${benchSync
          .map((r) => r.blocksPerSecond.toLocaleString("en-US"))
          .join(" / ")} blocks/s; the ratio is to the faster`,
    followLine,
    `goal (issue 11): ${goal.statement}: ${verdict}` +
      (goal.met === null && figures.blocksMissed < CATCHUP_GOAL.minBlocksMissed
        ? ` (${figures.blocksMissed} blocks missed, the check is for ${CATCHUP_GOAL.minBlocksMissed.toLocaleString("en-US")})`
        : ""),
  ].join("\n");
}
