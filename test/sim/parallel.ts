import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { RunResult } from "./run.ts";

/**
 * Runs standard scenarios on worker threads (each run is self-contained and deterministic, so where it runs
 * changes nothing) and returns the results in seed order. Seeds are dealt round-robin: N cycles with the seed,
 * so every thread gets a like mix of sizes.
 */
export async function runStandardScenarios(
  seeds: readonly number[],
  threads = Math.min(2, availableParallelism()),
): Promise<RunResult[]> {
  const shares = Array.from({ length: Math.max(1, threads) }, (_, t) =>
    seeds.filter((_, i) => i % threads === t),
  );
  const parts = await Promise.all(shares.filter((s) => s.length > 0).map(runOnThread));
  const bySeed = new Map(parts.flat().map((r) => [r.manifest.seed, r]));
  return seeds.map((seed) => {
    const result = bySeed.get(seed);
    if (result === undefined) throw new Error(`no result for seed ${seed}`);
    return result;
  });
}

function runOnThread(seeds: readonly number[]): Promise<RunResult[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./scenarioThread.mjs", import.meta.url), { workerData: seeds });
    let done = false;
    worker.once("message", (results: RunResult[]) => {
      done = true;
      resolve(results);
    });
    worker.once("error", reject);
    worker.once("exit", (code) => {
      if (!done) reject(new Error(`scenario thread exited with code ${code} before reporting`));
    });
  });
}
