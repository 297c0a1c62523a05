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
