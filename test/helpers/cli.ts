import { execFile } from "node:child_process";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `outrigger ARGS` as an operator runs it, from a clean environment (no key passwords) plus `env`. */
export function outrigger(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const base = { ...process.env };
  delete base.OUTRIGGER_KEY_PASSWORD;
  delete base.OUTRIGGER_DEPLOYER_PASSWORD;
  return new Promise((done) => {
    execFile(
      process.execPath,
      [join(ROOT, "bin/outrigger.mjs"), ...args],
      { cwd: ROOT, env: { ...base, ...env }, timeout: 120_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === "number" ? err.code : -1;
        done({ code, stdout, stderr });
      },
    );
  });
}
