import assert from "node:assert/strict";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  DEPLOYMENT_FILE,
  DevnetStateError,
  L1_STATE_FILE,
  openDevnetL1,
  type StartL1,
  TEST_TOKEN_FILE,
} from "../../cli/devnet/devnetL1.ts";
import { checkPortsFree, PortInUseError, portFree } from "../../cli/devnet/ports.ts";

async function listening(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((res) => server.listen(0, "127.0.0.1", () => res()));
  const address = server.address();
  assert.ok(address !== null && typeof address === "object");
  return { server, port: address.port };
}

describe("devnet ports", () => {
  it("names the busy port and the flag that changes it", async () => {
    const { server, port } = await listening();
    try {
      assert.equal(await portFree(port), false);
      await assert.rejects(
        checkPortsFree([
          { port: 0, what: "anything", remedy: "never checked" },
          { port, what: "the L1", remedy: "choose another with --l1-port" },
        ]),
        (err: unknown) =>
          err instanceof PortInUseError &&
          err.message === `port ${port} (the L1) is already in use; choose another with --l1-port`,
      );
    } finally {
      await new Promise((r) => server.close(r));
    }
    assert.equal(await portFree(port), true, "free again once closed");
    await checkPortsFree([{ port, what: "the L1", remedy: "" }]);
  });
});

describe("openDevnetL1", () => {
  const noL1: StartL1 = async () => {
    throw new Error("no L1 may be started");
  };

  it("refuses to resume a sidechain whose L1 state file is missing, before starting any L1", async (t) => {
    const dir = await mkdtemp(join(tmpdir(), "outrigger-devnet-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await assert.rejects(
      openDevnetL1(dir, { port: 0, validators: 4, sidechainExists: true }, noL1),
      (err: unknown) =>
        err instanceof DevnetStateError &&
        err.message.includes(L1_STATE_FILE) &&
        err.message.endsWith("start over with --reset"),
    );
  });

  it("refuses to resume when the deployment it was made with cannot be read", async (t) => {
    const dir = await mkdtemp(join(tmpdir(), "outrigger-devnet-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, L1_STATE_FILE), "{}");
    await writeFile(join(dir, TEST_TOKEN_FILE), '{"testToken":"0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0"}');
    await assert.rejects(
      openDevnetL1(dir, { port: 0, validators: 4, sidechainExists: true }, noL1),
      (err: unknown) =>
        err instanceof DevnetStateError &&
        /deployment cannot be read/.test(err.message) &&
        err.message.endsWith("--reset"),
    );
  });

  it("drops the L1 files of a devnet that never wrote its genesis, and starts the L1 with its state file", async (t) => {
    const dir = await mkdtemp(join(tmpdir(), "outrigger-devnet-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    for (const f of [L1_STATE_FILE, DEPLOYMENT_FILE, TEST_TOKEN_FILE]) await writeFile(join(dir, f), "stale");
    let asked: { port: number; stateFile: string | undefined } | null = null;
    const start: StartL1 = async (port, _log, opts) => {
      asked = { port, stateFile: opts.stateFile };
      assert.deepEqual(await readdir(dir), [], "stale files removed before the L1 starts");
      throw new Error("stop here");
    };
    await assert.rejects(
      openDevnetL1(dir, { port: 8545, validators: 4, sidechainExists: false }, start),
      /stop here/,
    );
    assert.deepEqual(asked, { port: 8545, stateFile: join(dir, L1_STATE_FILE) });
  });
});
