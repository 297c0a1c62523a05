import { parentPort, workerData } from "node:worker_threads";
import { type RunResult, runScenario } from "./run.ts";
import { standardScenario } from "./scenario.ts";

/** One thread of runStandardScenarios: runs the seeds it is given and posts back their results. */
const seeds = workerData as number[];
const results: RunResult[] = [];
for (const seed of seeds) results.push(await runScenario(standardScenario(seed)));
parentPort?.postMessage(results);
