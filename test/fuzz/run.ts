import { parseArgs } from "node:util";
import { outcomes, runTarget, splitRuns, type TargetResult } from "./harness.ts";
import { allTargets } from "./targets.ts";

/**
 * `npm run fuzz`: every target for a total of --runs inputs (split by weight), from --seed or a random seed that
 * is printed so a failure can be replayed. Prints a table, then the results as JSON; exits 1 on any failure.
 * --only keeps the targets whose name contains its text; --tally prints how each check's inputs ended.
 */

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "1000000" },
    seed: { type: "string" },
    only: { type: "string" },
    tally: { type: "boolean", default: false },
  },
});

const total = Number(values.runs);
if (!Number.isSafeInteger(total) || total < 1)
  throw new Error(`--runs must be a positive integer, got ${values.runs}`);
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
if (!Number.isSafeInteger(seed)) throw new Error(`--seed must be an integer, got ${values.seed}`);
const only = values.only;
const targets = allTargets().filter((t) => only === undefined || t.name.includes(only));

outcomes.enabled = values.tally;
console.log(`fuzzing ${targets.length} targets, ${total} inputs, seed ${seed}`);
const started = performance.now();
const results: TargetResult[] = [];
for (const [target, runs] of splitRuns(targets, total)) {
  const result = await runTarget(target, runs, seed);
  results.push(result);
  console.log(
    `${pad(result.target, 28)} ${pad(String(result.inputs), 9)} ${pad(`${result.ms} ms`, 10)} ${result.failures}`,
  );
  if (result.failures > 0) console.log(`  ${result.error}\n  input: ${result.counterexample}`);
}
const seconds = (performance.now() - started) / 1000;

console.log(`\n${pad("target", 28)} ${pad("inputs", 9)} ${pad("time", 10)} failures`);
for (const r of results)
  console.log(`${pad(r.target, 28)} ${pad(String(r.inputs), 9)} ${pad(`${r.ms} ms`, 10)} ${r.failures}`);
const inputs = results.reduce((n, r) => n + r.inputs, 0);
const failures = results.reduce((n, r) => n + r.failures, 0);
console.log(
  `${pad("total", 28)} ${pad(String(inputs), 9)} ${pad(`${seconds.toFixed(1)} s`, 10)} ${failures}`,
);
console.log(JSON.stringify({ seed, inputs, seconds: Number(seconds.toFixed(1)), failures, results }));
if (values.tally) {
  for (const [what, byKind] of outcomes.counts) {
    const kinds = [...byKind].sort((a, b) => b[1] - a[1]).map(([kind, n]) => `${kind} ${n}`);
    console.log(`${what}: ${kinds.join(", ")}`);
  }
}
if (failures > 0) process.exitCode = 1;

function pad(text: string, width: number): string {
  return text.padEnd(width);
}
