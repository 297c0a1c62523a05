import "../../node/util/polyfill.ts";
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { runScenario, type ScenarioResult } from "./runner.ts";
import { loadManifests, resultTable } from "./suite.ts";

/**
 * `npm run test:fault [-- --only NAME[,NAME] --fast --concurrency N --json FILE --keep]`: runs the scenarios of
 * test/fault/manifests on real processes, prints a table and the results as JSON, exits 1 if any failed.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: "string" },
      fast: { type: "boolean", default: false },
      concurrency: { type: "string", default: "1" },
      json: { type: "string" },
      keep: { type: "boolean", default: false },
      quiet: { type: "boolean", default: false },
    },
  });
  const only = values.only?.split(",").filter(Boolean);
  let manifests = await loadManifests();
  if (only) {
    const unknown = only.filter((n) => !manifests.some((m) => m.name === n));
    if (unknown.length > 0) throw new Error(`no scenario named ${unknown.join(", ")}`);
    manifests = manifests.filter((m) => only.includes(m.name));
  }
  if (values.fast) manifests = manifests.filter((m) => m.fast);
  const concurrency = Math.max(1, Math.min(2, Number(values.concurrency) || 1));
  const results: ScenarioResult[] = [];
  const queue = [...manifests];
  const log = values.quiet ? undefined : (line: string) => process.stderr.write(`${line}\n`);
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let m = queue.shift(); m !== undefined; m = queue.shift()) {
        const result = await runScenario(m, { keepFiles: values.keep, ...(log ? { log } : {}) });
        process.stderr.write(
          `${result.result === "pass" ? "pass" : "FAIL"} ${m.name} (${(result.durationMs / 1000).toFixed(1)} s)${result.error ? `: ${result.error}` : ""}\n`,
        );
        results.push(result);
      }
    }),
  );
  results.sort((a, b) => a.scenario.localeCompare(b.scenario));
  const json = JSON.stringify(results, null, 2);
  process.stdout.write(`${resultTable(results)}\n\n${json}\n`);
  if (values.json) await writeFile(values.json, `${json}\n`);
  const failed = results.filter((r) => r.result === "fail").length;
  process.stdout.write(`${results.length - failed} passed, ${failed} failed\n`);
  process.exitCode = failed > 0 ? 1 : 0;
}

// A signal ends the run through process.exit, whose 'exit' handlers SIGKILL every node still running.
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(130));

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 2;
});
