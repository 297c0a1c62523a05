import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { openDatabase, StorageError, Wal, WalKind } from "../../node/storage/index.ts";
import { openTempDb } from "../helpers/storageFixtures.ts";

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe("storage: WAL", () => {
  it("replays one height's entries in append order, kinds and payloads intact", async (t) => {
    const { db } = await openTempDb(t);
    const wal = await Wal.open({ db });
    const script: [number, WalKind, string][] = [
      [5, WalKind.HeightStarted, ""],
      [5, WalKind.Proposal, "proposal+block"],
      [6, WalKind.Vote, "early vote for 6"],
      [5, WalKind.Vote, "vote a"],
      [5, WalKind.OwnVote, "own prevote"],
      [5, WalKind.Timeout, "timeout"],
      [5, WalKind.Vote, "vote b"],
      [4, WalKind.Vote, "stale"],
    ];
    // Appends issued together must still replay in call order.
    await Promise.all(script.map(([height, kind, data]) => wal.append(height, { kind, data: bytes(data) })));
    const five = await wal.replay(5);
    assert.deepEqual(
      five.map((r) => [r.kind, text(r.data)]),
      script.filter(([h]) => h === 5).map(([, kind, data]) => [kind, data]),
    );
    assert.ok(five.every((r, i) => r.height === 5 && (i === 0 || r.seq > (five[i - 1]?.seq ?? Infinity))));
    assert.deepEqual(
      (await wal.replay(6)).map((r) => text(r.data)),
      ["early vote for 6"],
    );
    assert.deepEqual(await wal.replay(7), []);
  });

  it("continues after a restart: new entries sort after the old ones", async (t) => {
    const { db, dir } = await openTempDb(t);
    const wal = await Wal.open({ db });
    await wal.append(3, { kind: WalKind.Vote, data: bytes("before 1") });
    await wal.append(3, { kind: WalKind.Vote, data: bytes("before 2") });
    await db.close();
    const reopened = await openDatabase(dir);
    t.after(() => reopened.close());
    const again = await Wal.open({ db: reopened });
    await again.append(3, { kind: WalKind.Vote, data: bytes("after") });
    assert.deepEqual(
      (await again.replay(3)).map((r) => text(r.data)),
      ["before 1", "before 2", "after"],
    );
  });

  it("clears heights up to the given one and keeps later ones", async (t) => {
    const { db } = await openTempDb(t);
    const wal = await Wal.open({ db });
    for (const h of [1, 2, 3]) await wal.append(h, { kind: WalKind.Vote, data: bytes(`v${h}`) });
    await wal.clearThrough(2);
    assert.deepEqual(await wal.replay(1), []);
    assert.deepEqual(await wal.replay(2), []);
    assert.deepEqual(
      (await wal.replay(3)).map((r) => text(r.data)),
      ["v3"],
    );
  });

  it("refuses unknown kinds, non-byte payloads and bad heights", async (t) => {
    const { db } = await openTempDb(t);
    const wal = await Wal.open({ db });
    const isInvalid = (err: unknown) => err instanceof StorageError && err.code === "invalid-input";
    await assert.rejects(wal.append(1, { kind: 0 as WalKind, data: bytes("x") }), isInvalid);
    await assert.rejects(wal.append(1, { kind: 99 as WalKind, data: bytes("x") }), isInvalid);
    await assert.rejects(
      wal.append(1, { kind: WalKind.Vote, data: "x" as unknown as Uint8Array }),
      isInvalid,
    );
    await assert.rejects(wal.append(0, { kind: WalKind.Vote, data: bytes("x") }), isInvalid);
    await assert.rejects(wal.replay(-1), isInvalid);
    assert.deepEqual(await wal.replay(1), []);
  });
});
