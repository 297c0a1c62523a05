import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import type { Hex } from "../../node/crypto/index.ts";
import { type SyncConsensus, type SyncReqResp, SyncService } from "../../node/sync/syncService.ts";
import { silentLogger } from "../../node/util/logger.ts";
import { addr, val1 } from "../helpers/appFixture.ts";
import { commitFor, openTestChain } from "../helpers/chainFixture.ts";

type Fixture = Awaited<ReturnType<typeof openTestChain>>;

const OPTS = { waitForPeers: false, peerWaitMs: 0, checkEveryMs: 3_600_000, stallAfterMs: 1_000 };

async function commitNext(fx: Fixture): Promise<void> {
  const height = fx.chain.height + 1;
  fx.clock.now += 1_000;
  const value = await fx.chain.buildBlock(height, addr(val1));
  await fx.chain.commitBlock(value, commitFor(height, value.blockHash as Hex));
}

async function collect(items: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const item of items) out.push(item);
  return out;
}

class FakeConsensus implements SyncConsensus {
  readonly calls: string[] = [];
  readonly submitted: Uint8Array[] = [];
  constructor(private readonly chain: { height: number }) {}
  async start() {
    this.calls.push(`start at ${this.chain.height}`);
  }
  followChain() {
    this.calls.push(`follow at ${this.chain.height}`);
  }
  submitCatchUpItem(bytes: Uint8Array) {
    this.submitted.push(bytes);
  }
  catchUpItems(height: number) {
    return height === 7 ? [new Uint8Array([7])] : [];
  }
}

/** A node whose only peer is `source`, served through a second SyncService as over req/resp. */
async function syncingPair(
  t: TestContext,
  { penalise, ...nodeOpts }: { recoveryThread?: boolean; penalise?: (peer: string) => void } = {},
) {
  const source = await openTestChain(t);
  const node = await openTestChain(t);
  const sourceService = new SyncService(OPTS, {
    reqresp: {} as SyncReqResp,
    peers: () => [],
    chain: source.chain,
    blocksRange: (from, to) => source.store.encodedBlocksRange(from, to),
    consensus: new FakeConsensus(source.chain),
    syncedBlocks: { inc() {} },
    logger: silentLogger,
    now: () => source.clock.now,
  });
  const served: Record<string, unknown> = {};
  const counts = { blockRequests: 0 };
  const catchUpAnswers: Record<string, Uint8Array[] | Error> = { a: new Error("timeout"), b: [] };
  const reqresp: SyncReqResp = {
    handleBlocks: async (handler) => {
      served.blocks = handler;
    },
    handleCatchUp: async (handler) => {
      served.catchUp = handler;
    },
    requestBlocks: (peer, from, count) => {
      counts.blockRequests++;
      return peer === "b" ? collect(sourceService.serveBlocks(from, count)) : Promise.resolve([]);
    },
    requestCatchUp: async (peer) => {
      const answer = catchUpAnswers[peer];
      if (answer instanceof Error) throw answer;
      return answer ?? [];
    },
  };
  const consensus = new FakeConsensus(node.chain);
  let synced = 0;
  const clock = { now: 0 };
  const service = new SyncService(
    { ...OPTS, ...nodeOpts },
    {
      reqresp,
      peers: () => ["a", "b"],
      chain: node.chain,
      blocksRange: (from, to) => node.store.encodedBlocksRange(from, to),
      consensus,
      syncedBlocks: {
        inc: (n) => {
          synced += n;
        },
      },
      ...(penalise === undefined ? {} : { penalise }),
      logger: silentLogger,
      now: () => clock.now,
    },
  );
  t.after(() => service.stop());
  return {
    source,
    node,
    sourceService,
    service,
    reqresp,
    consensus,
    served,
    catchUpAnswers,
    clock,
    counts,
    synced: () => synced,
  };
}

describe("SyncService", () => {
  it("serves stored blocks up to its head only", async (t) => {
    const { source, sourceService } = await syncingPair(t);
    await commitNext(source);
    await commitNext(source);
    assert.equal((await collect(sourceService.serveBlocks(1, 64))).length, 2);
    assert.equal((await collect(sourceService.serveBlocks(2, 1))).length, 1);
    assert.equal((await collect(sourceService.serveBlocks(3, 10))).length, 0);
  });

  it("syncs before joining consensus, then catches up from every peer despite one failing", async (t) => {
    const { source, node, service, consensus, served, catchUpAnswers, synced } = await syncingPair(t);
    await commitNext(source);
    await commitNext(source);
    catchUpAnswers.b = [new Uint8Array([1]), new Uint8Array([2])];
    assert.equal(service.syncing, true);
    await service.start();
    await service.joined();
    assert.equal(service.syncing, false);
    assert.equal(node.chain.height, 2);
    assert.equal(synced(), 2);
    assert.deepEqual(consensus.calls, ["start at 2"]);
    assert.deepEqual(consensus.submitted, [new Uint8Array([1]), new Uint8Array([2])]);
    assert.equal(typeof served.blocks, "function", "serves blocks");
    const catchUp = served.catchUp as (height: number) => Promise<Uint8Array[]>;
    assert.deepEqual(await catchUp(7), [new Uint8Array([7])], "serves the consensus catch-up");
  });

  it("hands the chain the signers its recovery thread recovers, or none without the thread", async (t) => {
    for (const recoveryThread of [true, false]) {
      const { source, node, service } = await syncingPair(t, { recoveryThread });
      for (let i = 0; i < 3; i++) await commitNext(source);
      const given: boolean[] = [];
      const apply = node.chain.applyCertifiedRange.bind(node.chain);
      node.chain.applyCertifiedRange = (items, signers) => {
        given.push(signers !== undefined);
        return apply(items, signers);
      };
      assert.deepEqual(await service.sync(), { applied: 3, height: 3 });
      assert.equal(node.chain.height, 3);
      assert.deepEqual(given, [recoveryThread]);
      service.stop();
    }
  });

  it("counts a peer that serves a bad block against it, and syncs from another", async (t) => {
    const penalised: string[] = [];
    const { source, node, service, reqresp } = await syncingPair(t, {
      recoveryThread: false,
      penalise: (peer) => penalised.push(peer),
    });
    for (let i = 0; i < 3; i++) await commitNext(source);
    const honest = reqresp.requestBlocks.bind(reqresp);
    // a answers with an item that is not a block and commit.
    reqresp.requestBlocks = (peer, from, count) =>
      peer === "a" ? Promise.resolve([Uint8Array.of(0xc1, 0x80)]) : honest(peer, from, count);
    assert.deepEqual(await service.sync(), { applied: 3, height: 3 });
    assert.equal(node.chain.height, 3);
    assert.deepEqual(penalised, ["a"]);
  });

  it("recovers from a stall: syncs the missed blocks, moves consensus on, catches up", async (t) => {
    const { source, node, service, consensus, clock } = await syncingPair(t);
    await service.start();
    await service.joined();
    assert.deepEqual(consensus.calls, ["start at 0"]);
    await commitNext(source);
    clock.now += 999;
    service.checkStall();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(node.chain.height, 0, "not stalled yet");
    clock.now += 1;
    service.checkStall();
    const deadline = Date.now() + 10_000;
    while (consensus.calls.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(node.chain.height, 1);
    assert.deepEqual(consensus.calls, ["start at 0", "follow at 1"]);
  });

  it("a commit resets the stall clock", async (t) => {
    const { node, service, clock, counts } = await syncingPair(t);
    await service.start();
    await service.joined();
    const before = counts.blockRequests;
    clock.now += 5_000;
    await commitNext(node);
    service.checkStall();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(counts.blockRequests, before, "a node that just committed does not sync");
    clock.now += 1_000;
    service.checkStall();
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(counts.blockRequests > before, "one that stopped committing does");
  });

  it("runs one stall recovery at a time, however often the watchdog looks", async (t) => {
    const { service, clock, reqresp } = await syncingPair(t);
    await service.start();
    await service.joined();
    let catchUps = 0;
    let release: () => void = () => {};
    const slow = new Promise<void>((resolve) => {
      release = resolve;
    });
    // Catch-up answers only when released, as a busy peer does.
    reqresp.requestCatchUp = async () => {
      catchUps++;
      await slow;
      return [];
    };
    clock.now += 5_000;
    for (let i = 0; i < 10; i++) {
      service.checkStall();
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(catchUps, 1, "the later looks waited for the recovery in flight");
    release();
    await new Promise((r) => setTimeout(r, 50));
    const afterFirst = catchUps;
    service.checkStall();
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(catchUps > afterFirst, "a new look after it finished recovers again");
  });

  it("is up before the initial sync ends: start resolves, syncing says so, consensus joins after", async (t) => {
    const { source, service, consensus, reqresp } = await syncingPair(t);
    await commitNext(source);
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const serve = reqresp.requestBlocks;
    reqresp.requestBlocks = async (peer, from, count) => {
      await held;
      return serve(peer, from, count);
    };
    await service.start();
    assert.equal(service.syncing, true);
    assert.deepEqual(consensus.calls, [], "consensus waits for the sync");
    release();
    await service.joined();
    assert.equal(service.syncing, false);
    assert.deepEqual(consensus.calls, ["start at 1"]);
  });
});
