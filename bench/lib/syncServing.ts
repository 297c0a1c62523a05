import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { ownModuleArgs } from "../../node/util/ownModule.ts";
import { guardExit } from "./exitGuard.ts";
import type { SourceReady } from "./syncSource.ts";

export interface RunningSource extends SourceReady {
  /** Closes the source's stdin (it stops and exits) and waits for its exit; kills it after 10 s. */
  stop(): Promise<void>;
}

/**
 * Starts bench/lib/syncSource.ts as a child process and resolves once it serves `blocks` blocks of `txs`
 * transfers from `peers` hosts. The child is killed if this process exits first.
 */
export async function startSyncSource(opts: {
  blocks: number;
  txs: number;
  peers: number;
}): Promise<RunningSource> {
  const args = [
    ...ownModuleArgs(import.meta.url, "./syncSource.ts"),
    `--blocks=${opts.blocks}`,
    `--txs=${opts.txs}`,
    `--peers=${opts.peers}`,
  ];
  const child = spawn(process.execPath, args, { stdio: ["pipe", "pipe", "inherit"] });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const killNow = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  const stop = async () => {
    child.stdin.end();
    const timer = setTimeout(killNow, 10_000);
    await exited;
    clearTimeout(timer);
  };
  const release = guardExit({ stop, killNow });
  const firstLine = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once("line", resolve);
    child.once("error", reject);
    void exited.then((code) => reject(new Error(`the sync source exited (${code}) before serving`)));
  });
  let ready: SourceReady;
  try {
    ready = JSON.parse(await firstLine) as SourceReady;
  } catch (err) {
    killNow();
    release();
    throw err;
  }
  return {
    ...ready,
    async stop() {
      await stop();
      release();
    },
  };
}
