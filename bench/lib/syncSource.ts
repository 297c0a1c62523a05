import "../../node/util/polyfill.ts";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Network } from "../../node/p2p/network.ts";
import type { SyncService } from "../../node/sync/syncService.ts";
import { buildBlocks, openBenchChain } from "./syncChain.ts";
import { benchNetwork, benchSyncService } from "./syncNodes.ts";

/**
 * The serving side of bench/sync.ts, in a process of its own as a late node's peers are: builds a chain of
 * --blocks blocks of --txs transfers each, serves it from --peers libp2p hosts on 127.0.0.1, prints one JSON line
 * (SourceReady) to stdout, and exits when its stdin closes.
 */
export interface SourceReady {
  head: number;
  headHash: string;
  multiaddrs: string[];
}

const { values } = parseArgs({
  options: {
    blocks: { type: "string" },
    txs: { type: "string", default: "0" },
    peers: { type: "string", default: "3" },
  },
});
const blocks = Number(values.blocks);
const txs = Number(values.txs);
const peers = Number(values.peers);

const source = await openBenchChain({ senders: txs, syncBlocks: false });
const home = await mkdtemp(join(tmpdir(), "outrigger-bench-sync-source-"));
const nets: Network[] = [];
const services: SyncService[] = [];
const stop = async () => {
  for (const s of services) s.stop();
  await Promise.all(nets.map((n) => n.stop()));
  await source.close();
  await rm(home, { recursive: true, force: true });
};
try {
  await buildBlocks(source, blocks, txs);
  for (let i = 0; i < peers; i++) {
    const net = await benchNetwork(home, `serve${i}`, []);
    nets.push(net);
    const serving = benchSyncService(source, net);
    services.push(serving);
    await serving.start();
  }
  const ready: SourceReady = {
    head: source.chain.height,
    headHash: source.chain.headHash,
    multiaddrs: nets.flatMap((n) => n.host.multiaddrs().map(String)),
  };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
} catch (err) {
  await stop();
  throw err;
}
// The parent closes our stdin when it is done, or dies: either way we stop.
process.stdin.on("end", () => void stop().finally(() => process.exit(0)));
process.stdin.resume();
