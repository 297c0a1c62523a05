/**
 * `node --import tsx lifelineLauncher.ts <program> [args...]`: runs a program that cannot watch a pipe itself
 * (anvil) so that it still stops when the process that started the launcher dies, however it dies. The starter
 * gives the launcher a pipe on stdin and keeps the other end; its end means the starter is gone, and the launcher
 * then stops the program as SIGTERM would (anvil dumps its state on the way out). SIGINT and SIGTERM sent to the
 * launcher are passed on, and it exits with the program's exit code.
 */
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { EXIT_WITH_PARENT_ENV, exitWithParent } from "../lifeline.ts";

const GRACE_MS = 10_000;

const [program, ...args] = process.argv.slice(2);
if (program === undefined) {
  process.stderr.write("usage: lifelineLauncher.ts <program> [args...]\n");
  process.exit(2);
}

const child = spawn(program, args, { stdio: ["ignore", "inherit", "inherit"] });
let forced: NodeJS.Timeout | null = null;
const stop = (signal: NodeJS.Signals) => {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  forced ??= setTimeout(() => child.kill("SIGKILL"), GRACE_MS);
};
process.on("SIGINT", () => stop("SIGINT"));
process.on("SIGTERM", () => stop("SIGTERM"));
// Always on here: a launcher has no other use than tying the program's life to its starter's.
const release = exitWithParent({ [EXIT_WITH_PARENT_ENV]: "1" }, process.stdin, () => stop("SIGTERM"));
child.once("error", (err) => {
  process.stderr.write(`cannot start ${program}: ${err.message}\n`);
  process.exit(1);
});
child.once("exit", (code, signal) => {
  if (forced) clearTimeout(forced);
  release();
  process.exit(code ?? (signal === null ? 1 : 128 + constants.signals[signal]));
});
