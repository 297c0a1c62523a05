import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { STAKING_ADDRESS, stakingInterface } from "../../node/app/index.ts";
import { secp256k1Verifier } from "../../node/consensus/verifier.ts";
import { type Hex, secp256k1Backend, VoteType } from "../../node/crypto/index.ts";
import { type SyncOptions, type SyncPorts, syncFromPeers } from "../../node/sync/blockSync.ts";
import { type KeyRecovery, madeJobs } from "../../node/sync/keyRecoveryWorker.ts";
import { type RecoveredSigners, recoverRangeSigners } from "../../node/sync/recoveredSigners.ts";
import { decodeSyncItem, encodeSyncItem } from "../../node/sync/wire.ts";
import { type Commit, encodeBlock, encodeCommit } from "../../node/types/index.ts";
import {
  addr,
  alice,
  bob,
  CHAIN_ID,
  carol,
  countingRecovery,
  ETHER,
  signTx,
  val1,
  val2,
} from "../helpers/appFixture.ts";
import { commitFor, openTestChain } from "../helpers/chainFixture.ts";
import { signVote } from "../helpers/validators.ts";

type Fixture = Awaited<ReturnType<typeof openTestChain>>;
type Serve = (from: number, count: number) => Promise<Uint8Array[]>;

const OPTS: SyncOptions = { rangeSize: 4, window: 4, perPeer: 2, requestTimeoutMs: 5_000 };

/**
 * A source chain of `blocks` decided blocks, as sync items. With `stake`, alice stakes enough in block 1 to hold
 * most of the power from block 5 (epoch length 4): commits from there need her signature. With `transfers`, each
 * block carries that many transfers from bob.
 */
async function sourceChain(t: TestContext, blocks: number, { stake = false, transfers = 0 } = {}) {
  const source = await openTestChain(t);
  for (let height = 1; height <= blocks; height++) {
    if (height === 1 && stake) {
      const data = stakingInterface.encodeFunctionData("stake", [30n * ETHER]) as Hex;
      source.mempool.add(await signTx(alice, { to: STAKING_ADDRESS, data, nonce: 0 }));
    }
    for (let i = 0; i < transfers; i++) {
      const nonce = (height - 1) * transfers + i;
      source.mempool.add(await signTx(bob, { to: addr(carol), value: 1n, gasLimit: 21_000n, nonce }));
    }
    const signers = source.chain.validators.has(addr(alice)) ? [val1, val2, alice] : [val1, val2];
    source.clock.now += 1_000;
    const value = await source.chain.buildBlock(height, addr(val1));
    await source.chain.commitBlock(value, commitFor(height, value.blockHash as Hex, signers));
  }
  const items = (await source.store.encodedBlocksRange(1, blocks)).map((i) =>
    encodeSyncItem(i.block, i.commit),
  );
  return { source, items };
}

function honest(items: Uint8Array[]): Serve {
  return async (from, count) => items.slice(from - 1, from - 1 + count);
}

/** The ports of a syncing node over a real chain, recording what the sync did to each peer. */
function portsFor(target: Fixture, serve: Record<string, Serve>) {
  const log = {
    penalised: [] as { peer: string; reason: string }[],
    dropped: [] as string[],
    requests: [] as { peer: string; from: number; count: number }[],
    inFlight: 0,
    maxInFlight: 0,
    perPeer: new Map<string, number>(),
    maxPerPeer: 0,
  };
  const ports: SyncPorts = {
    peers: () => Object.keys(serve),
    async requestBlocks(peer, from, count) {
      log.requests.push({ peer, from, count });
      log.inFlight++;
      log.maxInFlight = Math.max(log.maxInFlight, log.inFlight);
      const mine = (log.perPeer.get(peer) ?? 0) + 1;
      log.perPeer.set(peer, mine);
      log.maxPerPeer = Math.max(log.maxPerPeer, mine);
      try {
        return await (serve[peer] as Serve)(from, count);
      } finally {
        log.inFlight--;
        log.perPeer.set(peer, (log.perPeer.get(peer) ?? 1) - 1);
      }
    },
    applyRange: (items) => target.chain.applyCertifiedRange(items),
    height: () => target.chain.height,
    penalise: (peer, reason) => log.penalised.push({ peer, reason }),
    dropped: (peer) => log.dropped.push(peer),
    progress() {},
  };
  return { ports, log };
}

/** A commit of round 1 (commitFor signs round 0): the same block, another certificate. */
function roundOneCommit(height: number, blockHash: Hex): Commit {
  const signatures = [val1, val2]
    .map((w) => ({
      validator: addr(w),
      signature: signVote(CHAIN_ID, w.privateKey as Hex, {
        type: VoteType.Precommit,
        height,
        round: 1,
        blockHash,
        validator: addr(w),
      }).signature,
    }))
    .sort((a, b) => (a.validator < b.validator ? -1 : 1));
  return { height, round: 1, blockHash, signatures };
}

const sync = (ports: SyncPorts, opts: Partial<SyncOptions> = {}) =>
  syncFromPeers(ports, () => 0, { ...OPTS, ...opts });

const delayed =
  (serve: Serve, ms: number): Serve =>
  async (from, count) => {
    await new Promise((r) => setTimeout(r, ms));
    return serve(from, count);
  };

/** Re-encodes item `height` of `items` after `change` edits its decoded block and commit. */
function tampered(
  items: Uint8Array[],
  height: number,
  change: (item: ReturnType<typeof decodeSyncItem>) => void,
): Uint8Array[] {
  const copy = [...items];
  const item = decodeSyncItem(items[height - 1] as Uint8Array);
  change(item);
  copy[height - 1] = encodeSyncItem(encodeBlock(item.block), encodeCommit(item.commit));
  return copy;
}

/** Key recovery on this thread with the node's backend, answering on the next microtask. */
function inlineKeyRecovery(): KeyRecovery {
  return {
    recover(jobs) {
      const keys = Promise.resolve().then(() =>
        madeJobs(jobs).map((job) => {
          try {
            return secp256k1Backend.recoverPublicKey(job.digest, job.compact, job.recoveryId);
          } catch {
            return null;
          }
        }),
      );
      return { keys, takeBack: () => false, withdraw: () => false };
    },
    async close() {},
  };
}

/** Counts the signatures the chains' own verifier (secp256k1Verifier) recovers until the test ends. */
function countRecoveries(t: TestContext): () => number {
  let recoveries = 0;
  const voteSigner = secp256k1Verifier.voteSigner;
  secp256k1Verifier.voteSigner = (chainId, vote) => {
    recoveries++;
    return voteSigner(chainId, vote);
  };
  t.after(() => {
    secp256k1Verifier.voteSigner = voteSigner;
  });
  return () => recoveries;
}

async function sameHeads(target: Fixture, source: Fixture): Promise<void> {
  assert.equal(target.chain.height, source.chain.height);
  assert.equal(target.chain.headHash, source.chain.headHash);
  assert.equal(target.app.appHash(), source.app.appHash());
}

describe("block sync", () => {
  it("spreads ranges over the peers and keeps within the window and the per-peer limit", async (t) => {
    const { source, items } = await sourceChain(t, 24);
    const target = await openTestChain(t);
    const serve = delayed(honest(items), 5);
    const { ports, log } = portsFor(target, { a: serve, b: serve, c: serve });
    const result = await sync(ports, { rangeSize: 2, window: 5, perPeer: 2 });
    assert.deepEqual(result, { applied: 24, height: 24 });
    await sameHeads(target, source);
    const askedOf = new Set(log.requests.map((r) => r.peer));
    assert.deepEqual([...askedOf].sort(), ["a", "b", "c"], "every peer served ranges");
    assert.equal(log.maxInFlight, 5, "the window was used, and not exceeded");
    assert.ok(log.maxPerPeer <= 2, `at most 2 requests per peer at once, saw ${log.maxPerPeer}`);
    assert.deepEqual(log.penalised, []);
  });

  it("ends when no peer has more, asking a peer that answered nothing no further", async (t) => {
    const { items } = await sourceChain(t, 6);
    const target = await openTestChain(t);
    const { ports, log } = portsFor(target, { a: honest(items) });
    assert.deepEqual(await sync(ports, { window: 3 }), { applied: 6, height: 6 });
    const above = log.requests.filter((r) => r.from > 6).map((r) => r.from);
    assert.deepEqual(
      [...above].sort((x, y) => x - y),
      [7, 9, 13],
      "the rest of the short answer, and the window's ranges above the head, each asked once",
    );
  });

  it("verifies commits across a validator-set change inside one range, and refuses an old-set commit after it", async (t) => {
    const { source, items } = await sourceChain(t, 8, { stake: true });
    assert.ok(source.chain.validators.has(addr(alice)), "alice joined at block 5");
    const target = await openTestChain(t);
    // Block 6 certified by the old set's validators only: enough power before the change, not after it.
    const stale = tampered(items, 6, (item) => {
      item.commit = commitFor(6, item.commit.blockHash, [val1, val2]);
    });
    const liar = portsFor(target, { liar: honest(stale) });
    const partial = await sync(liar.ports, { rangeSize: 8 });
    assert.deepEqual(partial, { applied: 5, height: 5 }, "blocks before the bad one are committed");
    assert.match(liar.log.penalised[0]?.reason ?? "", /not more than 2\/3/);
    const { ports } = portsFor(target, { liar: honest(stale), honest: honest(items) });
    assert.deepEqual(await sync(ports, { rangeSize: 8 }), { applied: 3, height: 8 });
    await sameHeads(target, source);
  });

  for (const [name, lie] of [
    [
      "a block whose body was changed",
      (items: Uint8Array[]) =>
        tampered(items, 3, (item) => {
          item.block.header.time += 1;
        }),
    ],
    [
      "a commit signed by a non-validator",
      (items: Uint8Array[]) =>
        tampered(items, 3, (item) => {
          item.commit = commitFor(3, item.commit.blockHash, [val1, alice]);
        }),
    ],
    [
      "a commit for another block",
      (items: Uint8Array[]) =>
        tampered(items, 3, (item) => {
          item.commit = commitFor(3, `0x${"11".repeat(32)}`);
        }),
    ],
    ["blocks out of order", (items: Uint8Array[]) => [items[0], items[2], items[1], ...items.slice(3)]],
    [
      "a block out of the range asked",
      (items: Uint8Array[]) => [items[0], items[1], items[7], ...items.slice(3)],
    ],
  ] as const) {
    it(`leaves out a peer that serves ${name}, re-asks its range elsewhere, commits nothing bad`, async (t) => {
      const { source, items } = await sourceChain(t, 10);
      const target = await openTestChain(t);
      const bad = lie(items) as Uint8Array[];
      const liarServe = honest(bad);
      // The liar answers first, so it is asked for the first range.
      const { ports, log } = portsFor(target, { liar: liarServe, honest: delayed(honest(items), 20) });
      const committed: number[] = [];
      target.chain.onCommitted((info) => committed.push(info.block.header.height));
      const result = await sync(ports, { window: 2, perPeer: 1 });
      assert.deepEqual(result, { applied: 10, height: 10 });
      await sameHeads(target, source);
      assert.deepEqual(committed, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], "each height committed once, in order");
      assert.deepEqual(
        log.penalised.map((p) => p.peer),
        ["liar"],
      );
      const afterLie = log.requests.slice(log.requests.findIndex((r) => r.peer === "liar") + 1);
      assert.ok(
        afterLie.every((r) => r.peer === "honest"),
        "the liar is not asked again in this sync",
      );
    });
  }

  it("leaves out a peer that answers more blocks than asked", async (t) => {
    const { items } = await sourceChain(t, 6);
    const target = await openTestChain(t);
    const { ports, log } = portsFor(target, {
      liar: async (from, count) => items.slice(from - 1, from + count),
      honest: delayed(honest(items), 20),
    });
    assert.deepEqual(await sync(ports, { window: 2, perPeer: 1 }), { applied: 6, height: 6 });
    assert.match(log.penalised[0]?.reason ?? "", /5 blocks for 4 asked/);
  });

  it("drops a peer that stalls or fails and gives its range to another", async (t) => {
    const { source, items } = await sourceChain(t, 8);
    const target = await openTestChain(t);
    const { ports, log } = portsFor(target, {
      stalls: () => new Promise<Uint8Array[]>(() => {}),
      fails: async () => {
        throw new Error("stream reset");
      },
      honest: delayed(honest(items), 5),
    });
    const started = Date.now();
    const result = await sync(ports, { requestTimeoutMs: 100, window: 3, perPeer: 1 });
    assert.deepEqual(result, { applied: 8, height: 8 });
    await sameHeads(target, source);
    assert.deepEqual([...log.dropped].sort(), ["fails", "stalls"]);
    assert.deepEqual(log.penalised, [], "a failure is not a lie");
    assert.equal(log.requests.filter((r) => r.peer !== "honest").length, 2, "each asked once");
    assert.ok(Date.now() - started < 4_000, "the stall cost the timeout, not the transport's");
  });

  it("does not blame a peer when consensus commits a requested block meanwhile (the out-of-order cause)", async (t) => {
    const { source, items } = await sourceChain(t, 8);
    const target = await openTestChain(t);
    let first = true;
    const { ports, log } = portsFor(target, {
      a: async (from, count) => {
        if (first) {
          first = false;
          // While this answer travels, consensus commits block `from` (a stall recovery runs beside consensus).
          const { block, commit } = decodeSyncItem(items[from - 1] as Uint8Array);
          await target.chain.commitBlock({ block, blockHash: commit.blockHash }, commit);
        }
        return honest(items)(from, count);
      },
    });
    const result = await sync(ports, { window: 1 });
    assert.deepEqual(result, { applied: 7, height: 8 }, "the block consensus committed is skipped");
    await sameHeads(target, source);
    assert.deepEqual(log.penalised, [], "the peer served the range it was asked: no out-of-order blame");
  });

  it("stops, blaming no peer, when applying fails on this node's side", async (t) => {
    const { items } = await sourceChain(t, 8);
    const target = await openTestChain(t);
    const { ports, log } = portsFor(target, { a: honest(items) });
    const apply = ports.applyRange;
    let calls = 0;
    ports.applyRange = async (range) => {
      if (++calls === 2) throw new Error("disk full");
      return apply(range);
    };
    assert.deepEqual(await sync(ports), { applied: 4, height: 4, error: "disk full" });
    assert.deepEqual(log.penalised, []);
    assert.deepEqual(log.dropped, []);
  });

  it("recovers each arriving range's signers on the recovery thread, and still refuses a lying peer's bad signature", async (t) => {
    const { source, items } = await sourceChain(t, 8);
    const target = await openTestChain(t);
    // Every block's commit carries a val1 signature over another height: it recovers someone else.
    let lies = items;
    for (let height = 1; height <= 8; height++) {
      lies = tampered(lies, height, (item) => {
        const sig = item.commit.signatures.find((s) => s.validator === addr(val1));
        assert.ok(sig);
        sig.signature = signVote(CHAIN_ID, val1.privateKey as Hex, {
          type: VoteType.Precommit,
          height: height + 100,
          round: 0,
          blockHash: item.commit.blockHash,
          validator: addr(val1),
        }).signature;
      });
    }
    const { ports, log } = portsFor(target, { liar: honest(lies), honest: delayed(honest(items), 20) });
    // The thread's recovery, answering before the range is applied (a thread with a core to itself).
    const recovery = inlineKeyRecovery();
    let ranges = 0;
    let withSigners = 0;
    ports.recoverSigners = (range) => {
      ranges++;
      return recoverRangeSigners(CHAIN_ID, range, recovery).signers;
    };
    ports.applyRange = (range, signers) => {
      if (signers !== undefined) withSigners++;
      return target.chain.applyCertifiedRange(range, signers);
    };
    const recoveries = countRecoveries(t);
    assert.deepEqual(await sync(ports, { window: 2, perPeer: 1 }), { applied: 8, height: 8 });
    await sameHeads(target, source);
    assert.equal(log.penalised[0]?.peer, "liar");
    assert.match(log.penalised[0]?.reason ?? "", /signature of .* does not verify/);
    assert.ok(ranges >= 3, "the liar's range and the honest ones were recovered as they arrived");
    assert.equal(withSigners, ranges, "every applied range came with its signers");
    assert.equal(recoveries(), 0, "the chain recovered no signature itself");
  });

  it("stores the bytes blocks and commits arrived as, without encoding them again", async (t) => {
    const { source, items } = await sourceChain(t, 6);
    const target = await openTestChain(t);
    let asArrived = 0;
    const write = target.store.writeCommittedBlock.bind(target.store);
    target.store.writeCommittedBlock = (c, opts) => {
      if (c.encodedBlock !== undefined && c.encodedCommit !== undefined) asArrived++;
      return write(c, opts);
    };
    const { ports } = portsFor(target, { a: honest(items) });
    assert.deepEqual(await sync(ports), { applied: 6, height: 6 });
    assert.equal(asArrived, 6);
    assert.deepEqual(
      await target.store.encodedBlocksRange(1, 6),
      await source.store.encodedBlocksRange(1, 6),
    );
    assert.deepEqual(await target.store.blocksRange(1, 6), await source.store.blocksRange(1, 6));
  });

  it("sends a range for recovery the moment it lands, while the range below it is still being applied", async (t) => {
    const { source, items } = await sourceChain(t, 8);
    const target = await openTestChain(t);
    const { ports } = portsFor(target, { a: honest(items), b: honest(items) });
    const recovered: number[] = [];
    ports.recoverSigners = (range) => {
      recovered.push(range[0]?.block.header.height ?? 0);
      return recoverRangeSigners(CHAIN_ID, range, inlineKeyRecovery()).signers;
    };
    const seenWhileApplying: number[][] = [];
    ports.applyRange = async (range, signers) => {
      // A slow apply (a long range): the next range's answer lands meanwhile.
      await new Promise((r) => setTimeout(r, 30));
      seenWhileApplying.push([...recovered]);
      return target.chain.applyCertifiedRange(range, signers);
    };
    assert.deepEqual(await sync(ports, { window: 2, perPeer: 1 }), { applied: 8, height: 8 });
    await sameHeads(target, source);
    assert.deepEqual(seenWhileApplying[0], [1, 5], "range 5..8 went for recovery while 1..4 was applied");
  });

  it("verifies what a dead or stuck thread holds on the chain's own verifier, never waiting", async (t) => {
    const { source, items } = await sourceChain(t, 8);
    const target = await openTestChain(t);
    const { ports, log } = portsFor(target, { a: honest(items) });
    const dead: KeyRecovery = {
      recover: () => ({
        keys: Promise.reject(new Error("thread gone")),
        takeBack: () => false,
        withdraw: () => false,
      }),
      async close() {},
    };
    // Holds every batch and never answers.
    const stuck: KeyRecovery = {
      recover: () => ({ keys: new Promise(() => {}), takeBack: () => false, withdraw: () => false }),
      async close() {},
    };
    let turn = 0;
    ports.recoverSigners = (range) =>
      recoverRangeSigners(CHAIN_ID, range, turn++ % 2 === 0 ? dead : stuck).signers;
    ports.applyRange = (range, signers) => {
      assert.notEqual(signers, undefined);
      return target.chain.applyCertifiedRange(range, signers);
    };
    const recoveries = countRecoveries(t);
    assert.deepEqual(await sync(ports), { applied: 8, height: 8 });
    await sameHeads(target, source);
    assert.deepEqual(log.penalised, []);
    assert.equal(recoveries(), 8 * 2, "two signatures per commit, recovered by the chain");
  });

  it("with one peer and no answer, syncs nothing and returns", async (t) => {
    const target = await openTestChain(t);
    const { ports, log } = portsFor(target, { a: async () => [] });
    assert.deepEqual(await sync(ports), { applied: 0, height: 0 });
    assert.equal(log.requests.length, OPTS.perPeer, "the ranges asked before the first answer, no more");
  });
});

describe("Chain.applyCertifiedRange", () => {
  it("writes a range with one fsync (its last block) and stops at a bad commit, keeping the blocks before it", async (t) => {
    const { items } = await sourceChain(t, 8);
    const target = await openTestChain(t);
    const writes: { height: number; sync: boolean | undefined }[] = [];
    const write = target.store.writeCommittedBlock.bind(target.store);
    target.store.writeCommittedBlock = (c, opts) => {
      writes.push({ height: c.block.header.height, sync: opts?.sync });
      return write(c, opts);
    };
    let executed = 0;
    const execute = target.app.executeBlock.bind(target.app);
    target.app.executeBlock = (...args) => {
      executed++;
      return execute(...args);
    };
    const decoded = items.map((bytes) => decodeSyncItem(bytes));
    assert.deepEqual(await target.chain.applyCertifiedRange(decoded.slice(0, 4)), {
      applied: 4,
      error: null,
    });
    assert.deepEqual(
      writes.map((w) => w.sync),
      [false, false, false, true],
    );
    const bad = decoded.slice(4).map((item) => structuredClone(item));
    (bad[2] as (typeof bad)[number]).commit = commitFor(7, `0x${"22".repeat(32)}`);
    executed = 0;
    const result = await target.chain.applyCertifiedRange(bad);
    assert.equal(result.applied, 2);
    assert.match(String(result.error), /does not decide block/);
    assert.equal(executed, 2, "nothing at or after the bad commit was executed");
    assert.equal(target.chain.height, 6);
    assert.deepEqual(
      writes.slice(4).map((w) => w.sync),
      [false, true],
      "the last good block is made durable",
    );
    // Blocks at or below the head (consensus committed them) are skipped, not refused.
    assert.deepEqual(await target.chain.applyCertifiedRange(decoded.slice(4)), { applied: 2, error: null });
    assert.equal(target.chain.height, 8);
  });

  it("executes transfers with the senders sync recovered ahead, recovering none itself, to the same head", async (t) => {
    const { source, items } = await sourceChain(t, 4, { transfers: 3 });
    const decoded = items.map((bytes) => decodeSyncItem(bytes));
    const ahead = countingRecovery();
    const target = await openTestChain(t, { app: { recoverSigner: ahead.recoverSigner } });
    const { signers, recovered } = recoverRangeSigners(CHAIN_ID, decoded, inlineKeyRecovery(), (raw) =>
      target.chain.txSignature(raw),
    );
    await recovered;
    await signers.ready();
    assert.deepEqual(await target.chain.applyCertifiedRange(decoded, signers), { applied: 4, error: null });
    await sameHeads(target, source);
    assert.equal(ahead.count(), 0, "the application recovered no sender");
    const inline = countingRecovery();
    const plain = await openTestChain(t, { app: { recoverSigner: inline.recoverSigner } });
    assert.deepEqual(await plain.chain.applyCertifiedRange(decoded), { applied: 4, error: null });
    await sameHeads(plain, source);
    assert.equal(inline.count(), 4 * 3, "without them it recovers each sender");
  });

  it("takes the precommit signers sync recovered ahead, asks its verifier for the others, and refuses a null signer", async (t) => {
    const { items } = await sourceChain(t, 4);
    const target = await openTestChain(t);
    const decoded = items.map((bytes) => decodeSyncItem(bytes));
    const asked: number[] = [];
    const recover = secp256k1Verifier.voteSigner;
    // Holds the signers of blocks 1 and 2 only.
    const signers: RecoveredSigners = {
      voteSigner(chainId, vote) {
        asked.push(vote.height);
        return vote.height <= 2 ? recover(chainId, vote) : undefined;
      },
      txSigner: () => undefined,
      blockDue: async () => {},
      ready: async () => {},
    };
    const recoveries = countRecoveries(t);
    assert.deepEqual(await target.chain.applyCertifiedRange(decoded, signers), { applied: 4, error: null });
    assert.deepEqual(asked, [1, 1, 2, 2, 3, 3, 4, 4]);
    assert.equal(recoveries(), 2 * 2, "the chain recovered only blocks 3 and 4's signatures");
    // A signer the thread could not recover (null) fails the commit, whatever the chain's verifier would say.
    const fresh = await openTestChain(t);
    const none: RecoveredSigners = {
      voteSigner: (_, vote) => (vote.height === 2 ? null : undefined),
      txSigner: () => undefined,
      blockDue: async () => {},
      ready: async () => {},
    };
    const result = await fresh.chain.applyCertifiedRange(decoded, none);
    assert.equal(result.applied, 1);
    assert.match(String(result.error), /commit of height 2: signature of .* does not verify/);
    assert.equal(fresh.chain.height, 1);
  });

  it("recovers each signature once: a lastCommit equal to the commit it verified for the parent is not rechecked", async (t) => {
    const { items } = await sourceChain(t, 4);
    const target = await openTestChain(t);
    const decoded = items.map((bytes) => decodeSyncItem(bytes));
    const recoveries = countRecoveries(t);
    assert.deepEqual(await target.chain.applyCertifiedRange(decoded), { applied: 4, error: null });
    assert.equal(recoveries(), 4 * 2, "two signatures per commit, none again for the lastCommits");
    // A lastCommit that differs from the commit verified for its parent (another round's) is verified in full.
    const fresh = await openTestChain(t);
    const [one, two] = decoded;
    assert.ok(one && two);
    const before = recoveries();
    const roundOne = { ...one, commit: roundOneCommit(1, one.commit.blockHash) };
    assert.deepEqual(await fresh.chain.applyCertifiedRange([roundOne, two]), { applied: 2, error: null });
    assert.equal(
      recoveries() - before,
      3 * 2,
      "block 2's lastCommit (round 0) was checked, not taken for the round-1 commit",
    );
    // The item still carries round 0's commit bytes: the commit it commits (round 1) is stored, not those.
    assert.deepEqual(await fresh.store.commitAt(1), roundOne.commit);
    assert.equal((await fresh.store.commitAt(1))?.round, 1);
  });
});
