import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { describe, it } from "node:test";
import { ChainStore, createWalRepository, openDatabase, SignStateStore } from "../../node/storage/index.ts";
import { buildChain, COUNTER_KEY, heightBytes, stateKey } from "../helpers/storageFixtures.ts";

const CHILD = resolve(import.meta.dirname, "../helpers/storageCrashChild.ts");
const ROUNDS = 4;

interface Report {
  committed: number;
  /** Highest (height, round, step) the child said it signed, and every signature it printed by HRS. */
  signed: [number, number, number];
  signatures: Map<string, string>;
  stderr: string;
}

const hrsBelow = (a: readonly number[], b: readonly number[]) =>
  a[0] !== b[0]
    ? (a[0] ?? 0) < (b[0] ?? 0)
    : a[1] !== b[1]
      ? (a[1] ?? 0) < (b[1] ?? 0)
      : (a[2] ?? 0) < (b[2] ?? 0);

/**
 * Runs the child until it has printed `killAfter` lines after "ready", then SIGKILLs it `delayMs` later (so the
 * kill lands anywhere in the loop, not just after a print) and waits for it to die.
 */
async function runAndKill(
  dir: string,
  killAfter: number,
  delayMs: number,
  track: (child: ChildProcess) => void,
): Promise<Report> {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, dir], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  track(child);
  const report: Report = { committed: 0, signed: [0, 0, 0], signatures: new Map(), stderr: "" };
  child.stderr?.on("data", (chunk: Buffer) => {
    report.stderr += chunk.toString();
  });
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  let lines = -1;
  for await (const line of createInterface({ input: child.stdout as NodeJS.ReadableStream })) {
    const [kind, ...rest] = line.split(" ");
    if (kind === "committed") report.committed = Number(rest[0]);
    if (kind === "signed") {
      const hrs = rest.slice(0, 3).map(Number) as [number, number, number];
      if (hrsBelow(report.signed, hrs)) report.signed = hrs;
      report.signatures.set(hrs.join("/"), rest[3] ?? "");
    }
    if (kind === "ready" || lines >= 0) lines++;
    if (lines === killAfter) setTimeout(() => child.kill("SIGKILL"), delayMs);
  }
  await exited;
  assert.equal(child.signalCode, "SIGKILL", `the child died by itself:\n${report.stderr}`);
  return report;
}

/** Opens the killed child's database and checks it holds exactly the complete blocks 1..head and nothing else. */
async function checkDatabase(dir: string, report: Report): Promise<number> {
  const db = await openDatabase(dir);
  try {
    const store = new ChainStore({}, { db });
    const head = await store.head();
    const height = head?.height ?? 0;
    assert.ok(height >= report.committed, `head ${height} is behind the reported commit ${report.committed}`);

    const expected = buildChain(height);
    assert.equal(head?.hash, expected.at(-1)?.blockHash);
    for (const c of expected) {
      const h = c.block.header.height;
      assert.deepEqual(await store.blockByHeight(h), c.block, `block ${h}`);
      assert.equal(await store.hashAt(h), c.blockHash);
      assert.equal(await store.heightOfHash(c.blockHash), h);
      assert.deepEqual(await store.commitAt(h), c.commit, `commit ${h}`);
      assert.deepEqual(await store.receiptsAt(h), c.receipts, `receipts ${h}`);
      for (const [index, r] of c.receipts.entries()) {
        assert.deepEqual(await store.txLocation(r.txHash), { height: h, index });
      }
    }
    // Nothing of a later block: not its block, commit, receipts, hash, or state writes.
    assert.deepEqual(await store.blocksRange(height + 1, height + 1000), []);
    assert.equal(await store.commitAt(height + 1), null);
    assert.equal(await store.receiptsAt(height + 1), null);
    assert.equal(await store.hashAt(height + 1), null);
    const state = new Map(
      (await store.loadState()).map(([k, v]) => [Buffer.from(k).toString(), Buffer.from(v).toString()]),
    );
    const expectedState = new Map<string, string>();
    if (height > 0) expectedState.set(Buffer.from(COUNTER_KEY).toString(), String(height));
    for (let h = Math.max(1, height - 2); h <= height; h++) {
      expectedState.set(Buffer.from(stateKey(h)).toString(), Buffer.from(heightBytes(h)).toString());
    }
    assert.deepEqual(state, expectedState);
    // The WAL of every committed height went with its block.
    for await (const key of createWalRepository(db).keys()) {
      assert.ok(key.height > height, `WAL entry of committed height ${key.height} survived`);
    }
    // The sign-state is never behind a signature the child handed out.
    const last = (await SignStateStore.open({ db })).last;
    const stored = [last?.height ?? 0, last?.round ?? 0, last?.step ?? 0];
    assert.ok(!hrsBelow(stored, report.signed), `sign-state ${stored} is behind signed ${report.signed}`);
    return height;
  } finally {
    await db.close();
  }
}

describe("storage: crash safety", () => {
  it("after SIGKILL at random points the head is complete, nothing later exists, and no signature is forgotten", {
    timeout: 60_000,
  }, async (t) => {
    const root = mkdtempSync(join(tmpdir(), "outrigger-crash-"));
    const children: ChildProcess[] = [];
    t.after(async () => {
      for (const child of children) {
        if (child.exitCode === null && child.signalCode === null) {
          const gone = new Promise((done) => child.once("exit", done));
          child.kill("SIGKILL");
          await gone;
        }
      }
      rmSync(root, { recursive: true, force: true });
    });
    const dir = join(root, "db");
    const signatures = new Map<string, string>();
    let height = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const killAfter = 1 + Math.floor(Math.random() * 40);
      const delayMs = Math.random() * 20;
      const report = await runAndKill(dir, killAfter, delayMs, (c) => children.push(c));
      const next = await checkDatabase(dir, report);
      assert.ok(next >= height, `head went back from ${height} to ${next}`);
      height = next;
      // Asked again for a vote it had signed before the kill, the restarted child re-issued the same signature.
      for (const [hrs, sig] of report.signatures) {
        const before = signatures.get(hrs);
        if (before !== undefined) assert.equal(sig, before, `signature for ${hrs} changed across a restart`);
        signatures.set(hrs, sig);
      }
    }
    assert.ok(height > 0, "the child never committed a block");
  });
});
