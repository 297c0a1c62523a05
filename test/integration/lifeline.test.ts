import "../../node/util/polyfill.ts";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { eventually, heightOf } from "../helpers/cluster.ts";
import { alive } from "../helpers/processes.ts";

const ROOT = resolve(import.meta.dirname, "../..");

/** Every descendant of a process, from /proc (Linux; CI runs there). */
async function descendants(root: number): Promise<number[]> {
  const parentOf = new Map<number, number>();
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, "utf8");
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // the process ended while we looked
    }
  }
  const found: number[] = [];
  const visit = (pid: number) => {
    for (const [child, parent] of parentOf) {
      if (parent === pid) {
        found.push(child);
        visit(child);
      }
    }
  };
  visit(root);
  return found;
}

async function commandOf(pid: number): Promise<string> {
  return (await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "")).replaceAll("\0", " ");
}

describe("the devnet's lifeline", { timeout: 120_000 }, () => {
  it("every process started for an L1, validators and a relayer exits when their starter is SIGKILLed", async (t) => {
    const parent = spawn(
      process.execPath,
      ["--import", "tsx", join(ROOT, "test/helpers/lifelineParent.ts")],
      {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "pipe"],
        // Its own process group, so cleanup can still reach the whole tree if the lifeline fails.
        detached: true,
      },
    );
    let out = "";
    parent.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    parent.stderr?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    t.after(() => {
      try {
        process.kill(-(parent.pid as number), "SIGKILL");
      } catch {
        // the group has already exited
      }
    });
    await eventually(
      "the L1, the validators and the relayer to be up",
      async () => {
        if (out.includes('"ready":true')) return true;
        if (parent.exitCode !== null) throw new Error(`the starter exited early:\n${out.slice(-3000)}`);
        return false;
      },
      60_000,
    );
    const ready = JSON.parse(out.split("\n").find((l) => l.includes('"ready":true')) ?? "{}") as {
      rpc: string;
    };
    await eventually("a block", async () => (await heightOf(ready.rpc)) >= 1, 30_000);

    const pids = await descendants(parent.pid as number);
    const commands = await Promise.all(pids.map(commandOf));
    const started = (what: RegExp) => commands.filter((c) => what.test(c)).length;
    assert.equal(started(/^\S*\/bin\/anvil /), 1, commands.join("\n"));
    assert.equal(started(/lifelineLauncher\.ts/), 1, commands.join("\n"));
    assert.equal(started(/cli\/main\.ts node /), 2, commands.join("\n"));
    assert.equal(started(/cli\/main\.ts relayer /), 1, commands.join("\n"));

    parent.kill("SIGKILL");
    await eventually(
      "every process it started to exit",
      async () => {
        const left = pids.filter(alive);
        if (left.length === 0) return true;
        throw new Error(`still running: ${(await Promise.all(left.map(commandOf))).join("; ")}`);
      },
      20_000,
    );
  });

  it("a devnet on a busy port exits at once with one line and starts and deploys nothing", async (t) => {
    const server = createServer();
    await new Promise<void>((res) => server.listen(0, "127.0.0.1", () => res()));
    const address = server.address();
    assert.ok(address !== null && typeof address === "object");
    const dir = join(await mkdtemp(join(tmpdir(), "outrigger-devnet-busy-")), "devnet");
    t.after(async () => {
      await new Promise((r) => server.close(r));
      await rm(join(dir, ".."), { recursive: true, force: true });
    });
    const started = Date.now();
    const err = await promisify(execFile)(
      process.execPath,
      [join(ROOT, "bin/outrigger.mjs"), "devnet", "--dir", dir, "--l1-port", String(address.port)],
      { cwd: ROOT, timeout: 30_000 },
    ).then(
      () => assert.fail("the devnet started on a busy port"),
      (e: { code?: number; stdout: string; stderr: string }) => e,
    );
    assert.equal(err.code, 1);
    assert.equal(err.stdout, "", "nothing started, compiled or deployed");
    assert.equal(
      err.stderr,
      `error: port ${address.port} (the L1) is already in use; choose another with --l1-port\n`,
    );
    assert.equal(existsSync(dir), false, "no devnet folder written");
    assert.ok(Date.now() - started < 20_000);
  });
});
