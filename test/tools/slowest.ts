import { readdir, readFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";

/** Prints the slowest tests of the last run of each suite (from .test-times/), so slow growth shows early. */

const ROOT = resolve(import.meta.dirname, "../..");
const DIR = join(ROOT, ".test-times");
const COUNT = Number(process.argv[2] ?? 10);

interface Timing {
  file: string;
  name: string;
  ms: number;
  ok: boolean;
}

const files = (await readdir(DIR).catch(() => [] as string[])).filter((f) => f.endsWith(".jsonl"));
const timings: Timing[] = [];
for (const file of files) {
  for (const line of (await readFile(join(DIR, file), "utf8")).split("\n")) {
    if (line.trim() !== "") timings.push(JSON.parse(line) as Timing);
  }
}
timings.sort((a, b) => b.ms - a.ms);
process.stdout.write(`\nThe ${Math.min(COUNT, timings.length)} slowest of ${timings.length} tests:\n`);
for (const t of timings.slice(0, COUNT)) {
  const seconds = `${(t.ms / 1000).toFixed(1)} s`.padStart(8);
  process.stdout.write(`${seconds}  ${relative(ROOT, t.file)}: ${t.name}${t.ok ? "" : " (failed)"}\n`);
}
