import "../node/util/polyfill.ts";
import { Cluster } from "../cli/devnet/cluster.ts";
import { DEVNET_DEFAULTS } from "../genesis/defaults.ts";
import { eventually, heightOf } from "../test/helpers/cluster.ts";

/**
 * Block time with the devnet's timeouts, and how fast a node that starts late syncs 1,000 blocks from its peers
 * (real processes on 127.0.0.1). The chain is built with a zero commit timeout so the bench stays short; the
 * synced blocks carry no transactions, so the figure is the cost of verifying commits and storing blocks.
 */
const SYNC_BLOCKS = Number(process.env.OUTRIGGER_BENCH_SYNC_BLOCKS ?? 1000);

/** Commit times of one node from its JSON log: the block interval as that node lived it. */
async function commitTimes(cluster: Cluster, node: number): Promise<number[]> {
  return (await cluster.log(node))
    .split("\n")
    .filter((line) => line.includes('"committed block"'))
    .map((line) => (JSON.parse(line) as { time: number }).time);
}

async function blockTime(): Promise<{ blocks: number; meanMs: number; p50Ms: number; p99Ms: number }> {
  const cluster = await Cluster.create({
    validators: 4,
    overrides: { timeouts: { ...DEVNET_DEFAULTS.timeouts } },
  });
  try {
    await cluster.startAll();
    const url = cluster.nodes[0]?.rpcUrl as string;
    await eventually("60 blocks", async () => (await heightOf(url)) >= 60, 300_000);
    // Skip start-up: peers connect and the first rounds may time out.
    const times = (await commitTimes(cluster, 0)).slice(10, 60);
    const deltas = times
      .slice(1)
      .map((t, i) => t - (times[i] as number))
      .sort((a, b) => a - b);
    const mean = deltas.reduce((a, b) => a + b, 0) / deltas.length;
    const at = (q: number) => deltas[Math.min(deltas.length - 1, Math.floor(q * deltas.length))] as number;
    return { blocks: deltas.length, meanMs: Math.round(mean), p50Ms: at(0.5), p99Ms: at(0.99) };
  } finally {
    await cluster.destroy();
  }
}

async function syncSpeed(): Promise<{ blocks: number; seconds: number; blocksPerSecond: number }> {
  const cluster = await Cluster.create({
    validators: 4,
    overrides: { timeouts: { ...DEVNET_DEFAULTS.timeouts, commitMs: 0 } },
  });
  try {
    await cluster.startAll([0, 1, 2]);
    const url = cluster.nodes[0]?.rpcUrl as string;
    await eventually(`${SYNC_BLOCKS} blocks`, async () => (await heightOf(url)) >= SYNC_BLOCKS, 1_200_000);
    await cluster.stop();
    // The three stay stopped so the target does not move: the late node syncs exactly what they hold.
    await cluster.startAll([0, 1]);
    const target = await heightOf(url);
    const started = performance.now();
    await cluster.start(3);
    const late = cluster.nodes[3]?.rpcUrl as string;
    await eventually("the late node synced", async () => (await heightOf(late)) >= target, 1_200_000);
    const seconds = (performance.now() - started) / 1000;
    return {
      blocks: target,
      seconds: Number(seconds.toFixed(1)),
      blocksPerSecond: Math.round(target / seconds),
    };
  } finally {
    await cluster.destroy();
  }
}

const result = { blockTime: await blockTime(), sync: await syncSpeed() };
console.log(JSON.stringify(result, null, 2));
console.log();
console.log("measure                          value");
console.log("-------------------------------  -----------------");
console.log(
  `devnet block time mean/p50/p99   ${result.blockTime.meanMs} / ${result.blockTime.p50Ms} / ${result.blockTime.p99Ms} ms`,
);
console.log(
  `late node syncs ${result.sync.blocks} blocks        ${result.sync.seconds} s (${result.sync.blocksPerSecond} blocks/s, incl. start-up)`,
);
