/**
 * Under `npm run devnet`, a SIGINT or SIGTERM sent to npm goes to the script's shell, which dies without passing
 * it on, and the devnet is left running as an orphan. Reparenting is how it sees that: `onShellGone` is called
 * once when the parent changes. Only for npm scripts (npm sets npm_lifecycle_event): a devnet started some other
 * way may be orphaned on purpose (`nohup ... &`, then logging out) and keeps running.
 */
export function stopWithNpmScript(
  env: NodeJS.ProcessEnv,
  onShellGone: () => void,
  opts: { ppid?: () => number; intervalMs?: number } = {},
): () => void {
  if (env.npm_lifecycle_event === undefined) return () => {};
  const ppid = opts.ppid ?? (() => process.ppid);
  const parent = ppid();
  const timer = setInterval(() => {
    if (ppid() === parent) return;
    clearInterval(timer);
    onShellGone();
  }, opts.intervalMs ?? 500);
  // Never what keeps the devnet running.
  timer.unref();
  return () => clearInterval(timer);
}
