import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { ownModuleArgs } from "../../node/util/ownModule.ts";
import { packageRoot } from "../../node/util/packageRoot.ts";

const ROOT = packageRoot(import.meta.dirname);
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
  /** The launcher that runs anvil: it stops anvil when it gets SIGTERM or loses its starter. */
  child: ChildProcess;
  stop(): Promise<void>;
}

export interface LocalL1Options {
  /**
   * anvil's state file: loaded at start when it exists, written every second and on a clean stop, so a restarted
   * devnet finds its contracts, balances and deposits again. Without one the L1 lives in memory only.
   */
  stateFile?: string;
}

/** What anvil prints once it listens; it names the port it really bound (so port 0 works). */
const LISTENING = /Listening on ([0-9.]+:[0-9]+)/;
const START_TIMEOUT_MS = 60_000;
/** A state dump of a long-running devnet takes a moment; SIGKILL only after this. */
const STOP_GRACE_MS = 15_000;
const LAUNCHER = ownModuleArgs(import.meta.url, "./lifelineLauncher.ts");

/** Hardhat's (and anvil's) well-known test mnemonic: the devnet's deployer and dev accounts come from it. */
const DEV_MNEMONIC = "test test test test test test test test test test test junk";

/**
 * anvil on 127.0.0.1 as the devnet's L1, set up as hardhat's node was: chain id 31337, 20 accounts of 10,000 ETH
 * from the well-known mnemonic, Prague, a block per transaction, and `finalized` = the latest block (no epochs),
 * so deposits count at once. Port 0 binds a free port; the URL is the one anvil says it bound, never assumed from
 * the port asked for, so a busy port fails instead of this finding another process's L1 there. It runs under
 * lifelineLauncher, which stops it when this process dies, however it dies.
 */
export async function startLocalL1(
  port: number,
  logFile: string,
  opts: LocalL1Options = {},
): Promise<LocalL1> {
  const args = [
    "--host",
    "127.0.0.1",
    "--port",
    String(port),
    "--chain-id",
    "31337",
    "--mnemonic",
    DEV_MNEMONIC,
    "--accounts",
    "20",
    "--balance",
    "10000",
    "--hardfork",
    "prague",
    "--slots-in-an-epoch",
    "0",
    ...(opts.stateFile === undefined ? [] : ["--state", opts.stateFile, "--state-interval", "1"]),
  ];
  const child = spawn(process.execPath, [...LAUNCHER, anvilBinary(), ...args], {
    cwd: ROOT,
    // stdin: the launcher's lifeline, a pipe whose end it takes for this process's death.
    stdio: ["pipe", "pipe", "pipe"],
  });
  const log = createWriteStream(logFile, { flags: "a" });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const force = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
    await new Promise<void>((res) => {
      child.once("exit", () => res());
      child.kill("SIGTERM");
    });
    clearTimeout(force);
  };
  let url: string;
  try {
    url = await listeningUrl(child, logFile, () => stderr);
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

/** The anvil binary of this platform, from the optional dependency @foundry-rs/anvil installed with it. */
export function anvilBinary(): string {
  const arch = { x64: "amd64", arm64: "arm64" }[process.arch as string] ?? process.arch;
  const pkg = `@foundry-rs/anvil-${process.platform}-${arch}`;
  let dir: string;
  try {
    dir = dirname(createRequire(import.meta.url).resolve(`${pkg}/package.json`));
  } catch {
    throw new Error(
      `anvil (the devnet's L1) has no binary for ${process.platform}-${process.arch} here: ${pkg} is not installed; run npm install`,
    );
  }
  return join(dir, "bin", process.platform === "win32" ? "anvil.exe" : "anvil");
}

function listeningUrl(child: ChildProcess, logFile: string, stderr: () => string): Promise<string> {
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
      if (match?.[1]) done(() => resolve(`http://${match[1]}`));
    };
    const onExit = (code: number | null) => {
      const why = lastLine(stderr());
      done(() =>
        reject(new Error(`the L1 (anvil) exited with code ${code}${why ? `: ${why}` : ""}; see ${logFile}`)),
      );
    };
    const timer = setTimeout(
      () => done(() => reject(new Error(`the L1 did not start within 60 s; see ${logFile}`))),
      START_TIMEOUT_MS,
    );
    child.stdout?.on("data", onData);
    child.once("exit", onExit);
  });
}

/** anvil's last error line, without its colour codes. */
function lastLine(text: string): string {
  const lines = stripVTControlCharacters(text)
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.at(-1) ?? "";
}
