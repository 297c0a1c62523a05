import type { ChildProcess } from "node:child_process";
import { errorMessage } from "../../node/util/errors.ts";

export interface RestartPolicy {
  /** The first wait before a restart; it doubles with each quick exit. */
  firstDelayMs: number;
  maxDelayMs: number;
  /** A run that lasted this long resets the wait to the first one. */
  healthyAfterMs: number;
}

/** docker's restart policy, in short: 1 s, doubling up to 30 s; a run of a minute counts as healthy. */
export const DEVNET_RESTART: RestartPolicy = {
  firstDelayMs: 1_000,
  maxDelayMs: 30_000,
  healthyAfterMs: 60_000,
};

export interface SupervisedModules {
  /** Starts one run; resolves once it is up (a failed start counts as an exit). */
  start(): Promise<{ child: ChildProcess }>;
  /** True once the devnet is stopping: an exit then is expected and nothing restarts. */
  stopping(): boolean;
  say(line: string): void;
  now?: () => number;
  setTimer?: (ms: number, fire: () => void) => void;
}

/**
 * Keeps a child running as a supervisor would (docker's `restart: unless-stopped`, systemd's `Restart=on-failure`):
 * a validator exits non-zero on a halt so that something restarts it, and a devnet whose validator was killed
 * should recover as a real deployment does. `first` is the run already started.
 */
export function supervise(name: string, first: { child: ChildProcess }, modules: SupervisedModules): void {
  const now = modules.now ?? Date.now;
  const setTimer = modules.setTimer ?? ((ms, fire) => void setTimeout(fire, ms).unref());
  let delay = DEVNET_RESTART.firstDelayMs;
  const watch = (child: ChildProcess, startedAt: number) => {
    child.once("exit", (code, signal) => {
      if (modules.stopping()) return;
      if (now() - startedAt >= DEVNET_RESTART.healthyAfterMs) delay = DEVNET_RESTART.firstDelayMs;
      modules.say(`${name} exited (${signal ?? `code ${code}`}); restarting it in ${delay / 1000} s`);
      const wait = delay;
      delay = Math.min(delay * 2, DEVNET_RESTART.maxDelayMs);
      setTimer(wait, () => void restart());
    });
  };
  const restart = async () => {
    if (modules.stopping()) return;
    const startedAt = now();
    try {
      const run = await modules.start();
      modules.say(`${name} restarted`);
      watch(run.child, startedAt);
    } catch (err) {
      if (modules.stopping()) return;
      const wait = delay;
      delay = Math.min(delay * 2, DEVNET_RESTART.maxDelayMs);
      modules.say(`${name} did not start (${errorMessage(err)}); trying again in ${wait / 1000} s`);
      setTimer(wait, () => void restart());
    }
  };
  watch(first.child, now());
}
