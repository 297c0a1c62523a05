import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");
const HARDHAT = join(ROOT, "node_modules/hardhat/internal/cli/bootstrap.js");

/** Runs hardhat with the project's config (offline compiler) and waits for it to exit successfully. */
export async function compileContracts(): Promise<void> {
  const child = spawn(process.execPath, [HARDHAT, "compile", "--quiet"], {
    cwd: ROOT,
    stdio: ["ignore", "inherit", "inherit"],
  });
  const code = await new Promise<number | null>((res) => child.once("exit", res));
  if (code !== 0) throw new Error(`compiling the contracts failed (exit code ${code})`);
}

export interface LocalL1 {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** What hardhat prints once it listens; it names the port it really bound (so port 0 works). */
const LISTENING = /Started HTTP and WebSocket JSON-RPC server at (http:\/\/[^\s/]+)\/?/;
const START_TIMEOUT_MS = 60_000;

/**
 * A hardhat node on 127.0.0.1: the devnet's L1, with hardhat's well-known funded accounts. Port 0 binds a free
 * port. The URL is the one hardhat says it bound, never assumed from the port asked for: a busy port makes hardhat
 * exit with an error instead of this finding another process's L1 there.
 */
export async function startLocalL1(port: number, logFile: string): Promise<LocalL1> {
  const child = spawn(
    process.execPath,
    [HARDHAT, "node", "--hostname", "127.0.0.1", "--port", String(port)],
    {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const log = createWriteStream(logFile, { flags: "a" });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const force = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await new Promise<void>((res) => {
      child.once("exit", () => res());
      child.kill("SIGTERM");
    });
    clearTimeout(force);
  };
  let url: string;
  try {
    url = await listeningUrl(child, logFile);
  } catch (err) {
    await stop();
    throw err;
  }
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      });
      if (res.ok) return { url, child, stop };
    } catch {
      // not answering yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`the L1 did not answer on ${url}; see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

function listeningUrl(child: ChildProcess, logFile: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    const done = (fn: () => void) => {
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      child.off("exit", onExit);
      fn();
    };
    const onData = (d: Buffer) => {
      out = (out + d.toString()).slice(-4096);
      const match = LISTENING.exec(out);
      if (match?.[1]) done(() => resolve(match[1] as string));
    };
    const onExit = (code: number | null) =>
      done(() => reject(new Error(`the L1 (hardhat node) exited with code ${code}; see ${logFile}`)));
    const timer = setTimeout(
      () => done(() => reject(new Error(`the L1 did not start within 60 s; see ${logFile}`))),
      START_TIMEOUT_MS,
    );
    child.stdout?.on("data", onData);
    child.once("exit", onExit);
  });
}
