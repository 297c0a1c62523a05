/**
 * The environment variable a parent (the devnet, a test's Cluster) sets on a child it gives a pipe on stdin:
 * the end of that pipe means the parent is gone, whatever killed it (SIGKILL included, which no handler sees).
 */
export const EXIT_WITH_PARENT_ENV = "OUTRIGGER_EXIT_WITH_PARENT";

/** The part of a readable stream the lifeline uses (process.stdin in a child; a PassThrough in tests). */
export interface LifelineStream {
  on(event: "data" | "end" | "close" | "error", listener: (...args: unknown[]) => void): unknown;
  off(event: "data" | "end" | "close" | "error", listener: (...args: unknown[]) => void): unknown;
  resume(): unknown;
  destroy(): unknown;
}

/**
 * Calls `onParentGone` once when `stdin` ends, if the parent asked for it through EXIT_WITH_PARENT_ENV. Opt-in,
 * so that an operator's node started with stdin closed (systemd, Docker) does not take that for its parent
 * dying. Returns a function that stops watching and lets go of stdin, so a stopped process can exit.
 */
export function exitWithParent(
  env: NodeJS.ProcessEnv,
  stdin: LifelineStream,
  onParentGone: () => void,
): () => void {
  if (env[EXIT_WITH_PARENT_ENV] !== "1") return () => {};
  let watching = true;
  const ignore = () => {};
  const gone = () => {
    if (!watching) return;
    release();
    onParentGone();
  };
  const release = () => {
    if (!watching) return;
    watching = false;
    stdin.off("data", ignore);
    stdin.off("end", gone);
    stdin.off("close", gone);
    stdin.off("error", gone);
    stdin.destroy();
  };
  stdin.on("data", ignore);
  stdin.on("end", gone);
  stdin.on("close", gone);
  stdin.on("error", gone);
  // Flowing mode: the end of a pipe is only seen by a reader.
  stdin.resume();
  return release;
}
