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

/** A hardhat node on 127.0.0.1: the devnet's L1, with hardhat's well-known funded accounts. */
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
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const force = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await new Promise<void>((res) => {
      child.once("exit", () => res());
      child.kill("SIGTERM");
    });
    clearTimeout(force);
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`the L1 (hardhat node) exited with code ${child.exitCode}; see ${logFile}`);
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      });
      if (res.ok) return { url, child, stop };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the L1 did not answer on ${url} within 60 s (is the port in use?); see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
