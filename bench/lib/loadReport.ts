import type { SingleProcessBounds } from "./bounds.ts";
import type { StepReport } from "./loadStep.ts";
import { formatTable } from "./table.ts";
import type { GoalVerdict, SaturationRule } from "./verdict.ts";

export interface LoadReport {
  settings: {
    kind: string;
    rates: number[];
    seconds: number;
    /** Seconds at the first rate before the measured steps, not reported. */
    warmupSeconds: number;
    validators: number;
    sendersPerStep: number;
    maxInFlight: number;
    drainSeconds: number;
    timeouts: string;
  };
  steps: StepReport[];
  saturation: { offeredPerSecond: number | null; rule: SaturationRule };
  bounds: SingleProcessBounds | null;
  /** Best lossless committed rate over each single-process bound. */
  ratios: { bound: string; perSecond: number; ratio: number }[];
  goals: GoalVerdict[];
}

const dash = (v: number | null | undefined) => (v === null || v === undefined ? "-" : v);

/** Committed throughput as a share of what one process manages alone at each stage. */
export function boundRatios(
  bestCommitted: number,
  bounds: SingleProcessBounds,
): { bound: string; perSecond: number; ratio: number }[] {
  const rows = [
    { bound: "signature recoveries/s (node/crypto recoverSigner)", perSecond: bounds.recoveriesPerSecond },
    { bound: "application transfers executed/s", perSecond: bounds.executedTransfersPerSecond },
    {
      bound: `block commits, ${bounds.blockCommits.txsPerBlock}-tx blocks, in tx/s`,
      perSecond: Math.round(bounds.blockCommits.txsPerSecond),
    },
  ];
  return rows.map((r) => ({
    ...r,
    ratio: r.perSecond > 0 ? Number((bestCommitted / r.perSecond).toPrecision(3)) : 0,
  }));
}

export function formatLoadReport(report: LoadReport): string {
  const steps = report.steps;
  const out: string[] = [];
  out.push(
    formatTable(
      [
        "offered/s",
        "accepted/s",
        "committed/s",
        "not sent",
        "abandoned",
        "rejected",
        "stranded",
        "lost",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "blocks/s",
        "tx/block mean",
        "tx/block max",
        "gen lag ms",
      ],
      steps.map((s) => [
        s.offeredPerSecond,
        s.acceptedPerSecond,
        s.committedPerSecond,
        s.notSent,
        s.abandoned,
        Object.values(s.rejections).reduce((a, b) => a + b, 0),
        s.strandedByGap,
        s.lost,
        dash(s.latencyMs.p50),
        dash(s.latencyMs.p95),
        dash(s.latencyMs.p99),
        s.blocksPerSecond,
        s.txsPerBlock.mean,
        s.txsPerBlock.max,
        s.generatorMaxLagMs,
      ]),
    ),
  );
  const rejections = steps.flatMap((s) =>
    Object.entries(s.rejections).map(
      ([reason, count]) => [s.offeredPerSecond, count, reason] as [number, number, string],
    ),
  );
  if (rejections.length > 0) {
    out.push("", formatTable(["offered/s", "count", "rejection (code message)"], rejections));
  }
  const usage = steps.flatMap((s) =>
    s.nodes.map((n) => [s.offeredPerSecond, n.node, dash(n.cpuPercent), dash(n.rssMiB), dash(n.peakRssMiB)]),
  );
  out.push("", formatTable(["offered/s", "node", "cpu %", "rss MiB", "peak rss MiB"], usage));
  const sat = report.saturation;
  out.push(
    "",
    `saturation point: ${sat.offeredPerSecond === null ? "none (no step kept up)" : `${sat.offeredPerSecond} tx/s`} (committed >= ${sat.rule.minCommittedRatio * 100}% of offered, p99 <= ${sat.rule.maxP99Ms} ms)`,
  );
  if (report.bounds !== null) {
    out.push(
      "",
      formatTable(
        ["single-process bound", "per second", "best committed / bound"],
        report.ratios.map((r) => [r.bound, r.perSecond, r.ratio]),
      ),
    );
  }
  out.push(
    "",
    formatTable(
      ["goal", "status", "detail"],
      report.goals.map((g) => [g.goal, g.status, g.detail]),
    ),
  );
  return out.join("\n");
}
