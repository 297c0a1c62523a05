import "../node/util/polyfill.ts";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AppGenesis, createApplication } from "../node/app/index.ts";
import { verifyCommit } from "../node/consensus/commitVerification.ts";
import { secp256k1Verifier } from "../node/consensus/verifier.ts";
import type { Network } from "../node/p2p/network.ts";
import type { SyncService } from "../node/sync/syncService.ts";
import { CHAIN_ID } from "../test/helpers/appFixture.ts";
import { type BenchChain, buildBlocks, openBenchChain } from "./lib/syncChain.ts";
import { benchNetwork, benchSyncService } from "./lib/syncNodes.ts";
import { type RunningSource, startSyncSource } from "./lib/syncServing.ts";
import { formatTable } from "./lib/table.ts";

/**
 * Block sync over real libp2p req/resp (tcp + noise + yamux) on 127.0.0.1: a chain of empty blocks, then one of
 * full blocks (native transfers), is served by SERVING_PEERS hosts in a process of their own (a late validator of
 * a 4-validator network has three peers, none of them in its process), and a fresh node syncs it the way a node
 * that was down does (fsync as in production): 5,000 empty blocks as in the outage, with no warm-up (a
 * restarted node is cold too). On these 2 cores the serving process takes its share of the CPU.
 * Beside it, the single-process verification bound measured in the same run: commit verifications per second
 * (uncached secp256k1, 4 signatures each) and, for full blocks, that plus one sender recovery per transaction. A
 * last row syncs the empty chain again into a node whose verifier already holds every commit signature (untimed):
 * the cost of fetching, executing and storing alone, i.e. what sync does once signature recovery is cheap.
 */

const EMPTY_BLOCKS = Number(process.env.OUTRIGGER_BENCH_SYNC_EMPTY ?? 5_000);
const FULL_BLOCKS = Number(process.env.OUTRIGGER_BENCH_SYNC_FULL ?? 60);
const TXS_PER_FULL_BLOCK = Number(process.env.OUTRIGGER_BENCH_SYNC_TXS ?? 500);
const SERVING_PEERS = 3;
const GOALS = { empty: 1_000, full: 200 };

async function until(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`bench timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Per second, whole above 100 and to two decimals below (a loaded machine syncs full blocks slowly). */
function rate(count: number, seconds: number): number {
  const perSecond = count / seconds;
  return perSecond >= 100 ? Math.round(perSecond) : Number(perSecond.toFixed(2));
}

interface SyncRun {
  blocks: number;
  seconds: number;
  blocksPerSecond: number;
}

/**
 * Syncs a fresh node from `source`'s hosts until it holds the source's head, and checks it is the same head.
 * `preVerified`: the same chain built here, whose commit signatures the node's verifier recovers beforehand.
 */
async function syncFrom(source: RunningSource, senders: number, preVerified?: BenchChain): Promise<SyncRun> {
  const home = await mkdtemp(join(tmpdir(), "outrigger-bench-sync-p2p-"));
  const target = await openBenchChain({ senders, syncBlocks: true });
  let net: Network | null = null;
  let syncing: SyncService | null = null;
  try {
    const joined = await benchNetwork(home, "sync", source.multiaddrs);
    net = joined;
    await until(() => joined.peers().length === SERVING_PEERS, "the serving peers");
    if (preVerified) {
      // The signatures recovered beforehand (untimed), as gossip would have: what is left is the structure's cost.
      for (const { commit } of await preVerified.store.blocksRange(1, preVerified.chain.height))
        verifyCommit(commit, target.chain.validators, CHAIN_ID, target.verifier);
    }
    const service = benchSyncService(target, joined);
    syncing = service;
    const head = source.head;
    const started = performance.now();
    // As the node's stall watchdog would, without its wait: sync again until the head is reached.
    let idle = 0;
    while (target.chain.height < head) {
      const { applied } = await service.sync();
      idle = applied > 0 ? 0 : idle + 1;
      if (idle > 1_000) throw new Error(`sync stuck at ${target.chain.height} of ${head}`);
      if (applied === 0) await new Promise((r) => setTimeout(r, 10));
    }
    const seconds = (performance.now() - started) / 1000;
    if (target.chain.headHash !== source.headHash)
      throw new Error(`synced head ${target.chain.headHash} is not the source's ${source.headHash}`);
    return {
      blocks: head,
      seconds: Number(seconds.toFixed(2)),
      blocksPerSecond: rate(head, seconds),
    };
  } finally {
    syncing?.stop();
    await net?.stop();
    await target.close();
    await rm(home, { recursive: true, force: true });
  }
}

/** Uncached commit verifications per second over the source's stored commits. */
async function commitVerificationsPerSecond(source: BenchChain, samples: number): Promise<number> {
  const commits = (await source.store.blocksRange(1, Math.min(samples, source.chain.height))).map(
    (b) => b.commit,
  );
  const set = source.chain.validators;
  const started = performance.now();
  for (const commit of commits) {
    if (!verifyCommit(commit, set, CHAIN_ID, secp256k1Verifier).ok)
      throw new Error("bench commit does not verify");
  }
  return rate(commits.length, (performance.now() - started) / 1000);
}

/** Sender recoveries per second: a fresh application checks the source's transactions (each recovered once). */
async function senderRecoveriesPerSecond(source: BenchChain, genesis: AppGenesis): Promise<number> {
  const block = await source.store.blockByHeight(1);
  const txs = block?.txs ?? [];
  const app = createApplication(genesis, null);
  const started = performance.now();
  for (const raw of txs) app.checkTx(raw);
  return rate(txs.length, (performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  // Built here too (blocks are deterministic): the bounds and the pre-verified row read its commits.
  // The source builds its chain while this one does (both cores).
  const emptySource = startSyncSource({ blocks: EMPTY_BLOCKS, txs: 0, peers: SERVING_PEERS });
  const emptyLocal = await openBenchChain({ senders: 0, syncBlocks: false });
  let empty: SyncRun;
  let emptyPreVerified: SyncRun;
  let commitsPerSecond: number;
  try {
    await buildBlocks(emptyLocal, EMPTY_BLOCKS, 0);
    commitsPerSecond = await commitVerificationsPerSecond(emptyLocal, 300);
    const source = await emptySource;
    // No warm-up: a restarted node syncs with a cold sync path (JIT, connections) too, over the first few hundred.
    empty = await syncFrom(source, 0);
    emptyPreVerified = await syncFrom(source, 0, emptyLocal);
  } finally {
    await emptySource.then((s) => s.stop()).catch(() => undefined);
    await emptyLocal.close();
  }

  const fullLocal = await openBenchChain({ senders: TXS_PER_FULL_BLOCK, syncBlocks: false });
  let full: SyncRun;
  let recoveriesPerSecond: number;
  try {
    await buildBlocks(fullLocal, 1, TXS_PER_FULL_BLOCK);
    recoveriesPerSecond = await senderRecoveriesPerSecond(fullLocal, fullLocal.genesis);
  } finally {
    await fullLocal.close();
  }
  const fullSource = await startSyncSource({
    blocks: FULL_BLOCKS,
    txs: TXS_PER_FULL_BLOCK,
    peers: SERVING_PEERS,
  });
  try {
    full = await syncFrom(fullSource, TXS_PER_FULL_BLOCK);
  } finally {
    await fullSource.stop();
  }

  // A block costs one commit verification, plus one sender recovery per transaction when it is full.
  const fullBound = rate(1, 1 / commitsPerSecond + TXS_PER_FULL_BLOCK / recoveriesPerSecond);
  const result = {
    servingPeers: SERVING_PEERS,
    empty: {
      ...empty,
      verificationBound: commitsPerSecond,
      goal: GOALS.empty,
      met: empty.blocksPerSecond >= GOALS.empty,
    },
    full: {
      ...full,
      txsPerBlock: TXS_PER_FULL_BLOCK,
      verificationBound: fullBound,
      goal: GOALS.full,
      met: full.blocksPerSecond >= GOALS.full,
    },
    emptyPreVerified,
    commitVerificationsPerSecond: commitsPerSecond,
    senderRecoveriesPerSecond: recoveriesPerSecond,
  };
  console.log(JSON.stringify(result, null, 2));
  console.log();
  const row = (name: string, r: typeof result.empty | typeof result.full) => [
    name,
    r.blocks,
    r.seconds,
    r.blocksPerSecond,
    r.verificationBound,
    r.goal,
    r.met ? "met" : "not met",
  ];
  console.log(
    formatTable(
      ["blocks synced", "count", "seconds", "blocks/s", "verify bound/s", "goal/s", "goal"],
      [
        row("empty", result.empty),
        row(`full (${TXS_PER_FULL_BLOCK} transfers)`, result.full),
        [
          "empty, signatures pre-verified",
          emptyPreVerified.blocks,
          emptyPreVerified.seconds,
          emptyPreVerified.blocksPerSecond,
          "-",
          "-",
          "(structure only)",
        ],
      ],
    ),
  );
}

await main();
