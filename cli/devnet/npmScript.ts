import { readFileSync } from "node:fs";

/** The parent of a process, from /proc (Linux); null where that cannot be read. */
export function parentOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name, in parentheses, may hold spaces: the fields after its closing one are fixed.
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    return Number.isInteger(ppid) ? ppid : null;
  } catch {
    return null;
  }
}

/**
 * Under `npm run devnet` the devnet runs below the script's shell, below npm. A SIGINT or SIGTERM sent to npm
 * alone goes to that shell, which dies without passing it on; npm killed outright leaves the shell waiting. Either
 * way the devnet would run on as an orphan: `onNpmGone` is called once when the devnet's parent changes (the
 * shell is gone) or, where /proc tells, when the shell's parent does (npm is gone). Only for npm scripts (npm sets
 * npm_lifecycle_event): a devnet started some other way may be orphaned on purpose (`nohup ... &`, then logging
 * out) and keeps running.
 */
export function stopWithNpmScript(
  env: NodeJS.ProcessEnv,
  onNpmGone: () => void,
  opts: { ppid?: () => number; parentOf?: (pid: number) => number | null; intervalMs?: number } = {},
): () => void {
  if (env.npm_lifecycle_event === undefined) return () => {};
  const ppid = opts.ppid ?? (() => process.ppid);
  const parentOfPid = opts.parentOf ?? parentOf;
  const shell = ppid();
  const npm = parentOfPid(shell);
  const timer = setInterval(() => {
    if (ppid() === shell && (npm === null || parentOfPid(shell) === npm)) return;
    clearInterval(timer);
    onNpmGone();
  }, opts.intervalMs ?? 500);
  // Never what keeps the devnet running.
  timer.unref();
  return () => clearInterval(timer);
}
