import { Cluster } from "../../cli/devnet/cluster.ts";
import type { GenesisJson } from "../../node/config/genesis.ts";
import { guardExit } from "./exitGuard.ts";

/**
 * Starts the validators as child processes (ports bound by each node at start) and makes sure none of them
 * outlives this process: Ctrl-C and SIGTERM stop them (then exit), and a last synchronous SIGKILL runs on exit
 * whatever the way out. `shutdown` stops every node by pid and removes the homes unless `keep`; calling it again
 * returns the same promise.
 */
export async function startBenchCluster(opts: {
  validators: number;
  overrides: Partial<GenesisJson>;
  /** Leave the nodes' homes (logs, databases) in place after stopping them. */
  keep?: boolean;
  startTimeoutMs?: number;
}): Promise<{ cluster: Cluster; shutdown: () => Promise<void> }> {
  const cluster = await Cluster.create({
    validators: opts.validators,
    overrides: opts.overrides,
    ...(opts.startTimeoutMs === undefined ? {} : { startTimeoutMs: opts.startTimeoutMs }),
  });
  let stopping: Promise<void> | null = null;
  const shutdown = () => {
    stopping ??= (async () => {
      release();
      await (opts.keep ? cluster.stop() : cluster.destroy());
    })();
    return stopping;
  };
  const release = guardExit({
    stop: shutdown,
    // The cluster holds each node from its spawn, one still starting included.
    killNow: () => cluster.killAllNow(),
  });
  try {
    await cluster.startAll();
  } catch (err) {
    await shutdown();
    throw err;
  }
  return { cluster, shutdown };
}
