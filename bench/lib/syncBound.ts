import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ownModuleArgs } from "../../node/util/ownModule.ts";
import { packageRoot } from "../../node/util/packageRoot.ts";
import { guardExit } from "./exitGuard.ts";

const ROOT = packageRoot(import.meta.dirname);

/** The empty-block sync of bench/sync.ts: one node syncing over real libp2p from three hosts in another process. */
export interface BenchSync {
  blocks: number;
  seconds: number;
  blocksPerSecond: number;
}

/** bench/sync.ts's output does not hold what is read from it: the error says where it went wrong. */
export class SyncBenchOutputError extends Error {
  constructor(why: string) {
    super(`bench/sync.ts output: ${why}`);
    this.name = "SyncBenchOutputError";
  }
}

/** The `empty` row of bench/sync.ts's JSON report, which its stdout begins with (a table follows a blank line). */
export function parseSyncBenchOutput(stdout: string): BenchSync {
  const json = stdout.split("\n\n")[0] ?? "";
  let report: unknown;
  try {
    report = JSON.parse(json);
  } catch {
    throw new SyncBenchOutputError(`no JSON report at the start: ${json.slice(0, 200)}`);
  }
  const empty = (report as { empty?: Partial<Record<keyof BenchSync, unknown>> } | null)?.empty;
  const { blocks, seconds, blocksPerSecond } = empty ?? {};
  if (typeof blocks !== "number" || typeof seconds !== "number" || typeof blocksPerSecond !== "number")
    throw new SyncBenchOutputError("no empty.{blocks,seconds,blocksPerSecond} numbers in the report");
  return { blocks, seconds, blocksPerSecond };
}

/**
 * Runs bench/sync.ts as a child process with `emptyBlocks` empty blocks (and the smallest full-block run, whose
 * figures are not used) and returns its empty-block sync. A child rather than an import: that bench is a script
 * with its own main, and its environment variables and JSON report are the interface it offers.
 */
export async function measureBenchSync(emptyBlocks: number): Promise<BenchSync> {
  // Its temp chains go in a folder of ours, removed whatever the way out: a killed child cannot remove them.
  const tmp = mkdtempSync(join(tmpdir(), "outrigger-catchup-sync-"));
  const child = spawn(process.execPath, ownModuleArgs(import.meta.url, "../sync.ts"), {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      TMPDIR: tmp,
      OUTRIGGER_BENCH_SYNC_EMPTY: String(emptyBlocks),
      OUTRIGGER_BENCH_SYNC_FULL: "1",
      OUTRIGGER_BENCH_SYNC_TXS: "1",
    },
  });
  const killNow = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    rmSync(tmp, { recursive: true, force: true });
  };
  const release = guardExit({ stop: async () => killNow(), killNow });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  try {
    const code = await new Promise<number | null>((res, rej) => {
      child.once("error", rej);
      child.once("exit", (c) => res(c));
    });
    if (code !== 0) throw new Error(`bench/sync.ts exited with code ${code}: ${stderr.trim()}`);
    return parseSyncBenchOutput(stdout);
  } finally {
    killNow();
    release();
  }
}
