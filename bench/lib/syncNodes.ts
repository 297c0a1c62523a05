import { join } from "node:path";
import { Network } from "../../node/p2p/network.ts";
import { loadOrCreatePeerKey } from "../../node/p2p/peerKey.ts";
import { type SyncConsensus, SyncService } from "../../node/sync/syncService.ts";
import { silentLogger } from "../../node/util/logger.ts";
import { CHAIN_ID } from "../../test/helpers/appFixture.ts";
import { GENESIS_HASH } from "../../test/helpers/chainFixture.ts";
import type { BenchChain } from "./syncChain.ts";

/** Block sync only: no stall watchdog, no waiting for peers (the bench calls sync() itself). */
const SYNC_OPTS = { waitForPeers: false, peerWaitMs: 0, checkEveryMs: 3_600_000, stallAfterMs: 3_600_000 };

const p2pLogger = { debug() {}, info() {}, warn() {}, error() {} };

const debugLogger = {
  debug: (o: object, m: string) => console.error(m, JSON.stringify(o)),
  info() {},
  warn: (o: object, m: string) => console.error(m, JSON.stringify(o)),
  error: (o: object, m: string) => console.error(m, JSON.stringify(o)),
};

function idleConsensus(): SyncConsensus {
  return { async start() {}, followChain() {}, submitCatchUpItem() {}, catchUpItems: () => [] };
}

/** A libp2p host of the bench chain's network on 127.0.0.1, its peer key kept under `home`. */
export async function benchNetwork(home: string, name: string, bootstrap: string[]): Promise<Network> {
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

/** The node's sync service over `node`: it serves the node's blocks on `net` and syncs from `net`'s peers. */
export function benchSyncService(node: BenchChain, net: Network): SyncService {
  return new SyncService(SYNC_OPTS, {
    reqresp: net.reqresp,
    peers: () => net.peers().map((p) => p.id),
    chain: node.chain,
    blocksRange: (from, to) => node.store.encodedBlocksRange(from, to),
    consensus: idleConsensus(),
    syncedBlocks: { inc() {} },
    logger: process.env.OUTRIGGER_BENCH_SYNC_DEBUG ? debugLogger : silentLogger,
    now: Date.now,
  });
}
