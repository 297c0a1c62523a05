import type { RunResult } from "./run.ts";

/** One line per run: what a test prints for a failing seed and the CLI prints after a replay. */
export function summaryLine(r: RunResult): string {
  const s = r.stats;
  return [
    `seed ${r.manifest.seed}`,
    `${r.ok ? "ok" : "FAILED"}`,
    `N=${s.nodes}`,
    `byzantine=${s.byzantine} (${(s.byzantineShare * 100).toFixed(1)}% power)`,
    `heights=${s.heights}`,
    `maxRound=${s.maxRound}`,
    `sim=${(s.simTimeMs / 1000).toFixed(1)}s`,
    `events=${s.events}`,
    `msgs=${s.messages.sent} (dropped ${s.messages.dropped}, partitioned ${s.messages.partitioned})`,
    `evidence=${s.evidence} (double signs ${s.doubleSigns}, due ${s.doubleSignsDue}, committed ${s.evidenceCommitted}, false proposed ${s.falseEvidenceProposed})`,
    `wall=${s.wallMs.toFixed(0)}ms`,
    `trace=${r.traceHash}`,
  ].join(" ");
}

export function formatResult(r: RunResult): string {
  const lines = [summaryLine(r)];
  for (const v of r.violations) {
    const where = [v.node, v.height === undefined ? undefined : `h${v.height}`].filter(Boolean).join(" ");
    lines.push(`  ${v.kind}${where ? ` [${where}]` : ""}: ${v.detail}`);
  }
  if (!r.ok) lines.push(`  replay: ${r.replay}`);
  return lines.join("\n");
}
