import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { basename, join, resolve } from "node:path";
import { parseArgs } from "node:util";

/**
 * Runs each real-process test file many times in a row while CPU burners keep every core busy, and prints a
 * pass/fail count per file (a table, then JSON). A suite that passes here does not depend on a quiet machine.
 *
 *   npm run test:stress [-- --runs 10 --burners 2 --timeout-min 15 test/integration/cluster.test.ts ...]
 */

const ROOT = resolve(import.meta.dirname, "../..");
const LOG_DIR = join(ROOT, ".stress");

interface RunResult {
  ok: boolean;
  ms: number;
  failed: string[];
  log: string;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: "string", default: "10" },
    burners: { type: "string", default: String(availableParallelism()) },
    "timeout-min": { type: "string", default: "15" },
  },
});
const runs = positiveInt("--runs", values.runs);
const burners = nonNegativeInt("--burners", values.burners);
const timeoutMs = positiveInt("--timeout-min", values["timeout-min"]) * 60_000;
const files = positionals.length > 0 ? positionals : await defaultFiles();

function positiveInt(flag: string, text: string): number {
  const n = nonNegativeInt(flag, text);
  if (n === 0) fail(`${flag} must be at least 1`);
  return n;
}

function nonNegativeInt(flag: string, text: string): number {
  if (!/^\d+$/.test(text)) fail(`${flag} takes a whole number, not ${JSON.stringify(text)}`);
  return Number(text);
}

function fail(message: string): never {
  process.stderr.write(`test:stress: ${message}\n`);
  process.exit(2);
}

async function defaultFiles(): Promise<string[]> {
  const out: string[] = [];
  for (const dir of ["test/integration", "test/e2e"]) {
    for (const name of (await readdir(join(ROOT, dir))).sort()) {
      if (name.endsWith(".test.ts")) out.push(`${dir}/${name}`);
    }
  }
  return out;
}

/** Every child is the leader of its own process group, so a kill reaches whatever it started too. */
const children = new Set<ChildProcess>();

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

function killAll(): void {
  for (const child of children) killGroup(child);
}

process.on("exit", killAll);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}

function startBurners(count: number): ChildProcess[] {
  return Array.from({ length: count }, () => {
    const child = spawn(process.execPath, ["-e", "for (;;) {}"], { detached: true, stdio: "ignore" });
    children.add(child);
    return child;
  });
}

function runFile(file: string, attempt: number): Promise<RunResult> {
  const log = join(LOG_DIR, `${basename(file, ".test.ts")}-${attempt}.log`);
  const started = Date.now();
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "--test", "--test-force-exit", "--test-reporter=tap", file],
    {
      cwd: ROOT,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  children.add(child);
  let output = "";
  child.stdout?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  const timer = setTimeout(() => {
    output += `\n# test:stress: killed after ${timeoutMs / 60_000} min\n`;
    killGroup(child);
  }, timeoutMs);
  return new Promise((done) => {
    child.once("close", async (code) => {
      clearTimeout(timer);
      // The file's own cleanup should have stopped what it started; this catches what a crash left behind.
      killGroup(child);
      children.delete(child);
      await writeFile(log, output);
      const failed = [...output.matchAll(/^\s*not ok \d+ - (.*)$/gm)].map((m) => (m[1] ?? "").trim());
      done({ ok: code === 0, ms: Date.now() - started, failed, log });
    });
  });
}

await mkdir(LOG_DIR, { recursive: true });
const burnerProcs = startBurners(burners);
process.stdout.write(`test:stress: ${files.length} files x ${runs} runs, ${burners} CPU burner(s)\n`);

const summary: { file: string; passed: number; failed: number; medianS: number; failures: string[] }[] = [];
for (const file of files) {
  const results: RunResult[] = [];
  for (let attempt = 1; attempt <= runs; attempt++) {
    const result = await runFile(file, attempt);
    results.push(result);
    const verdict = result.ok ? "pass" : `FAIL (${result.failed.join("; ") || "see log"}) ${result.log}`;
    process.stdout.write(
      `  ${file} run ${attempt}/${runs}: ${verdict} in ${(result.ms / 1000).toFixed(1)} s\n`,
    );
  }
  const times = results.map((r) => r.ms).sort((a, b) => a - b);
  summary.push({
    file,
    passed: results.filter((r) => r.ok).length,
    failed: results.filter((r) => !r.ok).length,
    medianS: Math.round((times[Math.floor(times.length / 2)] ?? 0) / 100) / 10,
    failures: results.filter((r) => !r.ok).map((r) => r.log),
  });
}
for (const burner of burnerProcs) killGroup(burner);

const width = Math.max(...summary.map((s) => s.file.length), 4);
process.stdout.write(`\n${"file".padEnd(width)}  passed  failed  median s\n`);
for (const s of summary) {
  process.stdout.write(
    `${s.file.padEnd(width)}  ${String(s.passed).padStart(6)}  ${String(s.failed).padStart(6)}  ${String(s.medianS).padStart(8)}\n`,
  );
}
process.stdout.write(`${JSON.stringify({ runs, burners, files: summary })}\n`);
process.exitCode = summary.every((s) => s.failed === 0) ? 0 : 1;
