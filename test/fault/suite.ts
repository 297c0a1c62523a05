import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { loadManifest, type Manifest } from "./manifest.ts";
import type { ScenarioResult } from "./runner.ts";

export const MANIFEST_DIR = join(import.meta.dirname, "manifests");

/** Every manifest, by name; a bad one fails here with its problems listed. */
export async function loadManifests(dir = MANIFEST_DIR): Promise<Manifest[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith(".json")).sort();
  return Promise.all(files.map((f) => loadManifest(join(dir, f))));
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** The summary table: one row per scenario. */
export function resultTable(results: readonly ScenarioResult[]): string {
  const rows = [
    ["scenario", "heights", "faults", "checks", "votes", "result", "recover", "time"],
    ...results.map((r) => [
      r.scenario,
      String(r.height),
      String(r.faults),
      String(r.checks),
      String(r.votes),
      r.result === "pass" ? "pass" : `FAIL at ${r.failedStep ?? "start"}`,
      seconds(r.recoverMs),
      seconds(r.durationMs),
    ]),
  ];
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((row) => row[c]?.length ?? 0))) ?? [];
  return rows.map((row) => row.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join("  ")).join("\n");
}
