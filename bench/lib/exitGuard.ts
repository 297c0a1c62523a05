import { readdirSync, readFileSync } from "node:fs";

/**
 * Runs `stop` on Ctrl-C or SIGTERM (then exits 130 or 143) and `killNow` on exit whatever the way out, until
 * the returned release() is called: children started by a bench never outlive it.
 */
export function guardExit(opts: { stop: () => Promise<void>; killNow: () => void }): () => void {
  const onExit = () => opts.killNow();
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`\n${signal}: stopping...\n`);
    release();
    void opts
      .stop()
      .finally(() => process.exit(signal === "SIGINT" ? 130 : 143))
      .catch(() => {});
  };
  const release = () => {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    process.off("exit", onExit);
  };
  process.on("exit", onExit);
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return release;
}

/** The pids whose parent is `parent`, from /proc (empty where there is none). */
export function childPids(parent = process.pid): number[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name, in parentheses, may hold spaces: the fields after its closing one are fixed.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === parent) pids.push(Number(entry));
    } catch {
      // Exited meanwhile.
    }
  }
  return pids;
}

/**
 * SIGKILLs every child process of this one, synchronously (for an 'exit' handler): also one whose handle its
 * starter does not hold yet, such as a node still starting up.
 */
export function killChildrenNow(): void {
  for (const pid of childPids()) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}
