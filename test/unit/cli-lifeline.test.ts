import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join, resolve } from "node:path";
import { PassThrough } from "node:stream";
import { describe, it } from "node:test";
import { parentOf, stopWithNpmScript } from "../../cli/devnet/npmScript.ts";
import { EXIT_WITH_PARENT_ENV, exitWithParent } from "../../cli/lifeline.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const tick = () => new Promise((r) => setImmediate(r));

describe("exitWithParent", () => {
  it("calls back once when stdin ends, if the parent set the variable", async () => {
    const stdin = new PassThrough();
    let calls = 0;
    exitWithParent({ [EXIT_WITH_PARENT_ENV]: "1" }, stdin, () => calls++);
    stdin.write("anything the parent writes is ignored\n");
    await tick();
    assert.equal(calls, 0, "data is not the end");
    stdin.end();
    await tick();
    await tick();
    assert.equal(calls, 1);
    assert.equal(stdin.destroyed, true, "stdin is let go, so the process can exit");
  });

  it("ignores the end of stdin without the variable (systemd and Docker start nodes with stdin closed)", async () => {
    for (const env of [{}, { [EXIT_WITH_PARENT_ENV]: "0" }]) {
      const stdin = new PassThrough();
      let calls = 0;
      exitWithParent(env, stdin, () => calls++);
      stdin.end();
      await tick();
      await tick();
      assert.equal(calls, 0);
      assert.equal(stdin.destroyed, false, "stdin is not touched");
    }
  });

  it("stops watching once released: a later end is not taken for the parent's death", async () => {
    const stdin = new PassThrough();
    let calls = 0;
    const release = exitWithParent({ [EXIT_WITH_PARENT_ENV]: "1" }, stdin, () => calls++);
    release();
    release();
    stdin.emit("end");
    await tick();
    assert.equal(calls, 0);
  });
});

describe("lifelineLauncher", () => {
  it("stops its program with SIGTERM when its stdin closes, and exits with the program's status", async () => {
    // The program traps SIGTERM and exits 7: proof that it was stopped gracefully, not killed.
    const launcher = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        join(ROOT, "cli/devnet/lifelineLauncher.ts"),
        "/bin/sh",
        "-c",
        "trap 'exit 7' TERM; echo up; while :; do sleep 0.05; done",
      ],
      { stdio: ["pipe", "pipe", "inherit"] },
    );
    await new Promise<void>((res) => launcher.stdout?.once("data", () => res()));
    const exited = new Promise<number | null>((res) => launcher.once("exit", (code) => res(code)));
    launcher.stdin?.end();
    assert.equal(await exited, 7);
  });
});

describe("stopWithNpmScript", () => {
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it("calls back once when the npm script's shell is gone (the devnet is reparented)", async () => {
    let ppid = 100;
    let calls = 0;
    const stop = stopWithNpmScript({ npm_lifecycle_event: "devnet" }, () => calls++, {
      ppid: () => ppid,
      parentOf: () => null,
      intervalMs: 5,
    });
    await wait(30);
    assert.equal(calls, 0, "same parent: nothing happens");
    ppid = 1;
    await wait(30);
    ppid = 2;
    await wait(30);
    assert.equal(calls, 1);
    stop();
  });

  it("calls back when npm itself is gone while its shell waits on (the shell is reparented)", async () => {
    let npm = 50;
    let calls = 0;
    const stop = stopWithNpmScript({ npm_lifecycle_event: "devnet" }, () => calls++, {
      ppid: () => 100,
      parentOf: (pid) => (pid === 100 ? npm : null),
      intervalMs: 5,
    });
    await wait(30);
    assert.equal(calls, 0, "npm still there");
    npm = 1;
    await wait(30);
    assert.equal(calls, 1);
    stop();
  });

  it("reads a process's parent from /proc", { skip: process.platform !== "linux" }, () => {
    assert.equal(parentOf(process.pid), process.ppid);
    assert.equal(parentOf(-1), null);
  });

  it("does nothing outside an npm script: a devnet orphaned on purpose (nohup) keeps running", async () => {
    let ppid = 100;
    let asked = 0;
    stopWithNpmScript({}, () => assert.fail("called back"), {
      ppid: () => {
        asked++;
        return ppid;
      },
      intervalMs: 5,
    });
    ppid = 1;
    await wait(30);
    assert.equal(asked, 0);
  });
});
