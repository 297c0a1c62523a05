import "../node/util/polyfill.ts";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AppGenesis, createApplication } from "../node/app/index.ts";
import { verifyCommit } from "../node/consensus/commitVerification.ts";
import { secp256k1Verifier } from "../node/consensus/verifier.ts";
import { Network } from "../node/p2p/network.ts";
import { loadOrCreatePeerKey } from "../node/p2p/peerKey.ts";
import { type SyncConsensus, SyncService } from "../node/sync/syncService.ts";
import { silentLogger } from "../node/util/logger.ts";
import { CHAIN_ID } from "../test/helpers/appFixture.ts";
import { GENESIS_HASH } from "../test/helpers/chainFixture.ts";
import { type BenchChain, buildBlocks, openBenchChain } from "./lib/syncChain.ts";
import { formatTable } from "./lib/table.ts";

/**
 * Block sync over real libp2p req/resp (tcp + noise + yamux) on 127.0.0.1, in one process: a source chain of
 * empty blocks, then one of full blocks (native transfers), is served by two hosts backed by its store, and a
 * fresh node syncs it the way a node that was down does (fsync per write as in production). Beside it, the
 * single-process verification bound measured in the same run: commit verifications per second (uncached
 * secp256k1, 4 signatures each) and, for full blocks, that plus one sender recovery per transaction. A last
 * row syncs the empty chain again into a node whose verifier already holds every commit signature (untimed):
 * the cost of fetching, executing and storing alone, i.e. what sync does once signature recovery is cheap.
 */

const EMPTY_BLOCKS = Number(process.env.OUTRIGGER_BENCH_SYNC_EMPTY ?? 1_000);
const FULL_BLOCKS = Number(process.env.OUTRIGGER_BENCH_SYNC_FULL ?? 5);
const TXS_PER_FULL_BLOCK = Number(process.env.OUTRIGGER_BENCH_SYNC_TXS ?? 500);
const SERVING_PEERS = 2;
const GOALS = { empty: 1_000, full: 200 };
const SYNC_OPTS = { waitForPeers: false, peerWaitMs: 0, checkEveryMs: 3_600_000, stallAfterMs: 3_600_000 };

const debugLogger = {
  debug: (o: object, m: string) => console.error(m, JSON.stringify(o)),
  info() {},
  warn: (o: object, m: string) => console.error(m, JSON.stringify(o)),
  error: (o: object, m: string) => console.error(m, JSON.stringify(o)),
};
const p2pLogger = { debug() {}, info() {}, warn() {}, error() {} };

function idleConsensus(): SyncConsensus {
  return { async start() {}, followChain() {}, submitCatchUpItem() {}, catchUpItems: () => [] };
}

async function network(home: string, name: string, bootstrap: string[]): Promise<Network> {
  return Network.create(
    {
      chainId: CHAIN_ID,
      genesisHash: GENESIS_HASH,
      privateKey: await loadOrCreatePeerKey(join(home, name)),
      listen: ["/ip4/127.0.0.1/tcp/0"],
      bootstrap,
    },
    { logger: p2pLogger },
  );
}

function service(node: BenchChain, net: Network | null): SyncService {
  return new SyncService(SYNC_OPTS, {
    reqresp: net?.reqresp ?? {
      handleBlocks: async () => {},
      handleCatchUp: async () => {},
      requestBlocks: async () => [],
      requestCatchUp: async () => [],
    },
    peers: () => net?.peers().map((p) => p.id) ?? [],
    chain: node.chain,
    blocksRange: (from, to) => node.store.encodedBlocksRange(from, to),
    consensus: idleConsensus(),
    syncedBlocks: { inc() {} },
    logger: process.env.OUTRIGGER_BENCH_SYNC_DEBUG ? debugLogger : silentLogger,
    now: Date.now,
  });
}

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

/** Serves `source` from SERVING_PEERS hosts and syncs a fresh node from them until it holds the source's head. */
async function syncFrom(source: BenchChain, senders: number, preVerified = false): Promise<SyncRun> {
  const home = await mkdtemp(join(tmpdir(), "outrigger-bench-sync-p2p-"));
  const nets: Network[] = [];
  const services: SyncService[] = [];
  const target = await openBenchChain({ senders, syncBlocks: true });
  try {
    for (let i = 0; i < SERVING_PEERS; i++) {
      const net = await network(home, `serve${i}`, []);
      nets.push(net);
      const serving = service(source, net);
      services.push(serving);
      await serving.start();
    }
    const net = await network(
      home,
      "sync",
      nets.flatMap((n) => n.host.multiaddrs()),
    );
    nets.push(net);
    await until(() => net.peers().length === SERVING_PEERS, "the serving peers");
    if (preVerified) {
      // The signatures recovered beforehand (untimed), as gossip would have: what is left is the structure's cost.
      for (const { commit } of await source.store.blocksRange(1, source.chain.height))
        verifyCommit(commit, target.chain.validators, CHAIN_ID, target.verifier);
    }
    const syncing = service(target, net);
    services.push(syncing);
    const head = source.chain.height;
    const started = performance.now();
    // As the node's stall watchdog would, without its wait: sync again until the head is reached.
    let idle = 0;
    while (target.chain.height < head) {
      const { applied } = await syncing.sync();
      idle = applied > 0 ? 0 : idle + 1;
      if (idle > 1_000) throw new Error(`sync stuck at ${target.chain.height} of ${head}`);
      if (applied === 0) await new Promise((r) => setTimeout(r, 10));
    }
    const seconds = (performance.now() - started) / 1000;
    return {
      blocks: head,
      seconds: Number(seconds.toFixed(2)),
      blocksPerSecond: rate(head, seconds),
    };
  } finally {
    for (const s of services) s.stop();
    await Promise.all(nets.map((n) => n.stop()));
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
  const emptySource = await openBenchChain({ senders: 0, syncBlocks: false });
  let empty: SyncRun;
  let emptyPreVerified: SyncRun;
  let commitsPerSecond: number;
  try {
    await buildBlocks(emptySource, EMPTY_BLOCKS, 0);
    commitsPerSecond = await commitVerificationsPerSecond(emptySource, 300);
    empty = await syncFrom(emptySource, 0);
    emptyPreVerified = await syncFrom(emptySource, 0, true);
  } finally {
    await emptySource.close();
  }

  const fullSource = await openBenchChain({ senders: TXS_PER_FULL_BLOCK, syncBlocks: false });
  let full: SyncRun;
  let recoveriesPerSecond: number;
  try {
    await buildBlocks(fullSource, FULL_BLOCKS, TXS_PER_FULL_BLOCK);
    recoveriesPerSecond = await senderRecoveriesPerSecond(fullSource, fullSource.genesis);
    full = await syncFrom(fullSource, TXS_PER_FULL_BLOCK);
  } finally {
    await fullSource.close();
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
