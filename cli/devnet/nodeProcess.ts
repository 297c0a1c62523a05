import { type ChildProcess, spawn } from "node:child_process";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");
const CLI = join(ROOT, "cli/main.ts");

export interface ReadyLine {
  ready: true;
  rpc: string;
  ws: string;
  peerId: string;
  p2p: string[];
}

export interface NodeProcess {
  readonly child: ChildProcess;
  readonly ready: ReadyLine;
  /** SIGTERM, then SIGKILL if it has not exited within graceMs. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL at once: no shutdown code runs, as in a crash. */
  kill(): Promise<void>;
}

/** Starts `outrigger node --home DIR` and resolves once it prints its readiness line. */
export async function spawnNode(
  home: string,
  opts: { env?: NodeJS.ProcessEnv; startTimeoutMs?: number } = {},
): Promise<NodeProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", CLI, "node", "--home", home], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...opts.env },
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const ready = await new Promise<ReadyLine>((res, rej) => {
    let out = "";
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      rej(new Error(`node at ${home} ${why}${stderr ? `: ${stderr.trim()}` : ""}`));
    };
    const timer = setTimeout(() => fail("did not report ready in time"), opts.startTimeoutMs ?? 60_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const line = out.split("\n").find((l) => l.includes('"ready":true'));
      if (!line) return;
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      child.off("exit", onExit);
      res(JSON.parse(line) as ReadyLine);
    };
    const onExit = (code: number | null) => fail(`exited with code ${code} before it was ready`);
    child.stdout?.on("data", onData);
    child.once("exit", onExit);
  });
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  const waitExit = () => new Promise<void>((res) => (exited() ? res() : child.once("exit", () => res())));
  return {
    child,
    ready,
    async stop(graceMs = 5_000) {
      if (exited()) return;
      const force = setTimeout(() => child.kill("SIGKILL"), graceMs);
      child.kill("SIGTERM");
      await waitExit();
      clearTimeout(force);
    },
    async kill() {
      if (exited()) return;
      child.kill("SIGKILL");
      await waitExit();
    },
  };
}
