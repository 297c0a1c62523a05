import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { ownModuleArgs } from "../../node/util/ownModule.ts";
import { packageRoot } from "../../node/util/packageRoot.ts";
import { EXIT_WITH_PARENT_ENV } from "../lifeline.ts";

const ROOT = packageRoot(import.meta.dirname);
const CLI = ownModuleArgs(import.meta.url, "../main.ts");

export interface ReadyLine {
  ready: true;
  rpc: string;
  ws: string;
  peerId: string;
  p2p: string[];
}

/** A child `outrigger` process; `ready` is the JSON log line that said it is up. */
export interface OutriggerProcess<R> {
  readonly child: ChildProcess;
  readonly ready: R;
  /** SIGTERM, then SIGKILL if it has not exited within graceMs. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL at once: no shutdown code runs, as in a crash. */
  kill(): Promise<void>;
}

export type NodeProcess = OutriggerProcess<ReadyLine>;

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  startTimeoutMs?: number;
  /** Where stdout goes once the child is ready; without one it is drained, so a full pipe never blocks the child. */
  logFile?: string;
  /**
   * Called as soon as the child exists, long before it is ready: whoever must be able to stop everything it
   * started (a Ctrl-C, a test's cleanup) keeps it from here, so a node still starting is not out of reach.
   */
  onSpawn?: (child: ChildProcess) => void;
}

/** Starts `outrigger node --home DIR` and resolves once it prints its readiness line. */
export function spawnNode(home: string, opts: SpawnOptions = {}): Promise<NodeProcess> {
  return spawnOutrigger(
    ["node", "--home", home],
    (line) => line.includes('"ready":true'),
    `node at ${home}`,
    opts,
  );
}

/**
 * Starts `outrigger <args>` and resolves with the first stdout line `isReady` accepts (parsed as JSON), or
 * rejects (killing the child) if it exits or stays silent past the start timeout.
 */
export async function spawnOutrigger<R>(
  args: string[],
  isReady: (line: string) => boolean,
  what: string,
  opts: SpawnOptions = {},
): Promise<OutriggerProcess<R>> {
  // A pipe on stdin that nothing writes to: it ends when this process dies, however it dies, and the child
  // (told so by EXIT_WITH_PARENT_ENV) then stops as on SIGTERM instead of running on as an orphan.
  const child = spawn(process.execPath, [...CLI, ...args], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, [EXIT_WITH_PARENT_ENV]: "1", ...opts.env },
  });
  opts.onSpawn?.(child);
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const ready = await new Promise<R>((res, rej) => {
    let out = "";
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      rej(new Error(`${what} ${why}${stderr ? `: ${stderr.trim()}` : ""}`));
    };
    const timer = setTimeout(() => fail("did not report ready in time"), opts.startTimeoutMs ?? 60_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const line = out.split("\n").find(isReady);
      if (!line) return;
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      child.off("exit", onExit);
      if (opts.logFile) child.stdout?.pipe(createWriteStream(opts.logFile, { flags: "a" }));
      else child.stdout?.resume();
      res(JSON.parse(line) as R);
    };
    const onExit = (code: number | null) => fail(`exited with code ${code} before it was ready`);
    child.stdout?.on("data", onData);
    child.once("exit", onExit);
  });
  return {
    child,
    ready,
    stop: (graceMs) => stopChild(child, graceMs),
    kill: () => killChild(child),
  };
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitExit(child: ChildProcess): Promise<void> {
  return new Promise<void>((res) => (exited(child) ? res() : child.once("exit", () => res())));
}

/** SIGTERM, then SIGKILL if the child has not exited within graceMs; resolves once it has exited. */
export async function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (exited(child)) return;
  const force = setTimeout(() => child.kill("SIGKILL"), graceMs);
  child.kill("SIGTERM");
  await waitExit(child);
  clearTimeout(force);
}

/** SIGKILL at once; resolves once the child has exited. */
export async function killChild(child: ChildProcess): Promise<void> {
  if (exited(child)) return;
  child.kill("SIGKILL");
  await waitExit(child);
}

/** For a process 'exit' handler, where nothing asynchronous runs any more. */
export function killChildNow(child: ChildProcess): void {
  if (!exited(child)) child.kill("SIGKILL");
}
