import "../../node/util/polyfill.ts";
import assert from "node:assert/strict";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { Bucket, ChainStore, heightCodec, openDatabase } from "../../node/storage/index.ts";
import { outrigger } from "../helpers/cli.ts";
import { blockHashAt, Cluster, eventually, heightOf } from "../helpers/cluster.ts";

/** Every node that has a height has the same block there: no fork, no committed block lost. */
async function assertOneChain(cluster: Cluster, upTo: number): Promise<void> {
  const urls = cluster.nodes.filter((n) => n.process).map((n) => n.rpcUrl);
  for (let h = 1; h <= upTo; h++) {
    const hashes = (await Promise.all(urls.map((u) => blockHashAt(u, h)))).filter((x) => x !== null);
    assert.equal(new Set(hashes).size, 1, `height ${h} differs across nodes: ${hashes.join(" ")}`);
    assert.equal(hashes.length, urls.length, `height ${h} is missing on some node`);
  }
}

describe("faults on real processes", { timeout: 600_000 }, () => {
  it("1 of 4 down: blocks keep committing; a node started after 30 blocks syncs and then follows", async (t) => {
    const cluster = await Cluster.create({ validators: 4 });
    t.after(() => cluster.destroy());
    await cluster.startAll([0, 1, 2]);
    const url0 = cluster.nodes[0]?.rpcUrl as string;
    await eventually("30 blocks with one validator down", async () => (await heightOf(url0)) >= 30);
    await cluster.start(3);
    const late = cluster.nodes[3]?.rpcUrl as string;
    const target = await heightOf(url0);
    await eventually(
      "the late node reaches the others' height",
      async () => (await heightOf(late)) >= target,
    );
    const synced = await heightOf(late);
    await eventually("the late node follows new blocks", async () => (await heightOf(late)) >= synced + 5);
    await assertOneChain(cluster, synced + 5);
    assert.match(await cluster.log(3), /sync progress/, "the late node logs its sync progress");
  });

  it("a validator killed with SIGKILL and restarted catches up, without double-signing or losing blocks", async (t) => {
    const cluster = await Cluster.create({ validators: 4 });
    t.after(() => cluster.destroy());
    await cluster.startAll();
    const url0 = cluster.nodes[0]?.rpcUrl as string;
    // Read at each use: a restarted node binds a new RPC port.
    const victimHeight = () => heightOf(cluster.nodes[2]?.rpcUrl as string);
    for (let round = 0; round < 2; round++) {
      const start = await heightOf(url0);
      await eventually("progress before the kill", async () => (await victimHeight()) >= start + 3);
      const beforeKill = await victimHeight();
      await cluster.kill(2);
      await eventually(
        "the others commit while it is down",
        async () => (await heightOf(url0)) >= beforeKill + 5,
      );
      await cluster.start(2);
      assert.ok((await victimHeight()) >= beforeKill, "no committed block lost on the restarted node");
      const others = await heightOf(url0);
      await eventually(
        "the restarted validator catches up",
        async () => (await victimHeight()) >= others + 2,
      );
    }
    await assertOneChain(cluster, await victimHeight());
    for (let i = 0; i < 4; i++) {
      assert.doesNotMatch(await cluster.log(i), /duplicate vote seen/, `node ${i} saw a double sign`);
    }
  });

  it("a node whose store lost its head block, or whose database is damaged, exits non-zero with one line, instead of running without a chain", async (t) => {
    const cluster = await Cluster.create({ validators: 1 });
    t.after(() => cluster.destroy());
    await cluster.startAll();
    const url = cluster.nodes[0]?.rpcUrl as string;
    await eventually("a few blocks", async () => (await heightOf(url)) >= 3);
    await cluster.stop();
    const home = cluster.nodes[0]?.home as string;
    const db = await openDatabase(join(home, "data"));
    const head = await new ChainStore({}, { db }).head();
    assert.ok(head !== null);
    await db.delete(Uint8Array.of(Bucket.blockByHeight, ...heightCodec.encode(head.height)));
    await db.close();

    const run = await outrigger(["node", "--home", home, "--no-log-file"]);
    assert.equal(run.code, 1, run.stderr);
    const lines = run.stderr.trim().split("\n");
    assert.equal(lines.length, 1, run.stderr);
    assert.match(lines[0] ?? "", new RegExp(`head block ${head.height} is missing from storage`));

    // A database whose files are damaged: the same, with what is wrong in the line.
    for (const name of (await readdir(join(home, "data"))).filter((n) => n.startsWith("MANIFEST-"))) {
      const path = join(home, "data", name);
      const bytes = await readFile(path);
      bytes.fill(0x5a, 8, Math.min(bytes.length, 40));
      await writeFile(path, bytes);
    }
    const damaged = await outrigger(["node", "--home", home, "--no-log-file"]);
    assert.equal(damaged.code, 1, damaged.stderr);
    assert.equal(damaged.stderr.trim().split("\n").length, 1, damaged.stderr);
    assert.match(damaged.stderr, /the database is damaged \(Corruption: /);
  });
});
