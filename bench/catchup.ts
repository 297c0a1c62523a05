import "../node/util/polyfill.ts";
import { parseArgs } from "node:util";
import type { GenesisJson } from "../node/config/genesis.ts";
import { errorMessage } from "../node/util/errors.ts";
import { startBenchCluster } from "./lib/benchCluster.ts";
import {
  type CatchUpReport,
  type CatchUpRun,
  catchUpFigures,
  type FollowFigures,
  formatCatchUpReport,
  judgeCatchUp,
  perSecond,
} from "./lib/catchupReport.ts";
import { blockHeight, heightsOf, pollUntil } from "./lib/heights.ts";
import { RpcClient } from "./lib/rpcClient.ts";
import { type BenchSync, measureBenchSync } from "./lib/syncBound.ts";

/**
 * `npm run bench:catchup`: a validator of a real 4-process cluster is SIGKILLed, the other three (75% of the
 * power) commit BLOCKS more heights, and it is started again on its home: how long until its RPC answers, until
 * it holds the height the others had at its restart, the blocks per second of that sync, and whether it then
 * follows the tip. Beside it, measured in the same run before the cluster starts and after it stops,
 * bench/sync.ts's empty-block sync, and the ratio of the two rates. Progress goes to stderr; the JSON
 * report, then its table, to stdout. Exits 1 if the restarted node does not follow the tip after catching up.
 */
const USAGE = `usage: npm run bench:catchup -- [options]      (or BLOCKS=500 npm run bench:catchup)
  --blocks 5000       heights the others commit while the validator is down (default: $BLOCKS, else 5000)
  --sync-blocks 5000  empty blocks of the block sync measurement (bench/sync.ts, before and after)
  --no-sync-bound     skip the block sync measurement
  --follow 20         heights it must follow after catching up
  --keep              keep the nodes' folders (logs, databases) and print where`;

/**
 * The bench's consensus timeouts, set in its genesis only (the devnet keeps DEVNET_DEFAULTS). commitMs is the
 * block interval (node/chain/consensusDriver.ts) and 0 is the shortest the genesis allows: heights follow one
 * another as fast as consensus decides. The node's 500 ms floor (blockIntervalMs in node/config/serviceOptions.ts)
 * paces only its stall watchdog and metrics sampling, never block production. With one validator of four down,
 * every fourth height waits out proposeMs and then precommitMs before round 1 decides: those two, short here,
 * set the pace of the outage (about 10 blocks/s on two busy cores, where 4 validators make 20-30).
 */
export const CATCHUP_TIMEOUTS: GenesisJson["timeouts"] = {
  proposeMs: 100,
  proposeDeltaMs: 100,
  prevoteMs: 30,
  prevoteDeltaMs: 100,
  precommitMs: 30,
  precommitDeltaMs: 100,
  commitMs: 0,
};

const VALIDATORS = 4;
const POLL_MS = 100;

interface Flags {
  blocks: number;
  syncBlocks: number;
  syncBound: boolean;
  follow: number;
  keep: boolean;
}

function positiveInt(value: string, what: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new Error(`${what}: expected a positive integer, got ${value}\n${USAGE}`);
  return n;
}

function parseFlags(argv: string[]): Flags {
  const { values } = parseArgs({
    args: argv,
    options: {
      blocks: { type: "string", default: process.env.BLOCKS ?? "5000" },
      "sync-blocks": { type: "string", default: "5000" },
      "no-sync-bound": { type: "boolean", default: false },
      follow: { type: "string", default: "20" },
      keep: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  return {
    blocks: positiveInt(values.blocks, "--blocks"),
    syncBlocks: positiveInt(values["sync-blocks"], "--sync-blocks"),
    syncBound: !values["no-sync-bound"],
    follow: positiveInt(values.follow, "--follow"),
    keep: values.keep,
  };
}

const log = (line: string) => process.stderr.write(`${line}\n`);
const maxOf = (heights: readonly (number | null)[]) =>
  heights.reduce<number | null>((m, h) => (h === null ? m : Math.max(m ?? h, h)), null);

async function main(): Promise<number> {
  const flags = parseFlags(process.argv.slice(2));
  const benchSync: BenchSync[] = [];
  // Before the cluster starts and after it stops, so nothing of this bench competes with it; the faster of the
  // two is the machine's figure (the others' work on a shared machine only ever slows a run).
  const measureSync = async (when: string) => {
    if (!flags.syncBound) return;
    log(`block sync of ${flags.syncBlocks} empty blocks (bench/sync.ts, ${when})...`);
    const result = await measureBenchSync(flags.syncBlocks);
    benchSync.push(result);
    log(`  ${JSON.stringify(result)}`);
  };

  await measureSync("before the cluster starts");
  const { chainBlocksPerSecond, run, follow } = await measureCatchUp(flags);
  await measureSync("after the cluster stopped");

  const figures = catchUpFigures(run);
  const report: CatchUpReport = {
    settings: {
      validators: VALIDATORS,
      blocks: flags.blocks,
      timeouts: { ...CATCHUP_TIMEOUTS },
      syncBenchBlocks: flags.syncBound ? flags.syncBlocks : null,
    },
    chainBlocksPerSecond,
    run,
    figures,
    follow,
    benchSync,
    goal: judgeCatchUp(figures, benchSync),
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n\n${formatCatchUpReport(report)}\n`);
  return follow.followed ? 0 : 1;
}

/** The cluster part: kill, outage, restart, catch-up, follow; every node stopped (by pid) on the way out. */
async function measureCatchUp(
  flags: Flags,
): Promise<{ chainBlocksPerSecond: number; run: CatchUpRun; follow: FollowFigures }> {
  log(`starting ${VALIDATORS} validators (timeouts ${JSON.stringify(CATCHUP_TIMEOUTS)})...`);
  const { cluster, shutdown } = await startBenchCluster({
    validators: VALIDATORS,
    overrides: { timeouts: CATCHUP_TIMEOUTS, l1: null },
    keep: flags.keep,
  });
  if (flags.keep) log(`  the nodes' folders stay in ${cluster.dir}`);
  const victim = VALIDATORS - 1;
  const clients = cluster.nodes.map((n) => new RpcClient(n.rpcUrl, 2));
  const others = clients.filter((_, i) => i !== victim);
  let victimClient: RpcClient | null = null;
  try {
    for (const n of cluster.nodes) log(`  node ${n.index}: pid ${n.process?.child.pid}, rpc ${n.rpcUrl}`);

    log("waiting until every validator is in step...");
    const first = await pollUntil(async () => maxOf(await heightsOf(clients)) ?? undefined, {
      everyMs: 500,
      timeoutMs: 120_000,
      what: "a first height",
    });
    await pollUntil(
      async () => ((await heightsOf(clients)).every((h) => h !== null && h >= first + 3) ? true : undefined),
      { everyMs: 500, timeoutMs: 120_000, what: `every node at height ${first + 3}` },
    );

    const heightAtKill = await blockHeight(clients[victim] as RpcClient);
    await cluster.kill(victim);
    const killedAt = performance.now();
    log(
      `SIGKILLed node ${victim} at its height ${heightAtKill}; the others go on for ${flags.blocks} blocks...`,
    );
    const outageTarget = heightAtKill + flags.blocks;
    let lastLog = killedAt;
    const chainAtEnd = await pollUntil(
      async () => {
        const heights = await heightsOf(others);
        const low = heights.reduce<number>((m, h) => Math.min(m, h ?? 0), Number.POSITIVE_INFINITY);
        if (performance.now() - lastLog > 15_000) {
          lastLog = performance.now();
          log(`  others at ${heights.join("/")} (target ${outageTarget})`);
        }
        return low >= outageTarget ? (maxOf(heights) ?? low) : undefined;
      },
      // The three must commit at all: a chain that stops is a failure, not a slow run.
      {
        everyMs: 250,
        timeoutMs: Math.max(600_000, flags.blocks * 500),
        what: `the others at ${outageTarget}`,
      },
    );
    const outageSeconds = (performance.now() - killedAt) / 1000;
    const chainBlocksPerSecond = perSecond(chainAtEnd - heightAtKill, outageSeconds);
    log(`  ${chainAtEnd - heightAtKill} blocks in ${outageSeconds.toFixed(1)} s (${chainBlocksPerSecond}/s)`);

    const target = maxOf(await heightsOf(others)) ?? chainAtEnd;
    log(`restarting node ${victim} on its home; the others are at ${target}...`);
    const spawnedAt = performance.now();
    const since = () => (performance.now() - spawnedAt) / 1000;
    await cluster.start(victim);
    const rpcUpSeconds = since();
    const node = cluster.nodes[victim];
    log(`  pid ${node?.process?.child.pid}, RPC up after ${rpcUpSeconds.toFixed(2)} s`);
    const client = new RpcClient(node?.rpcUrl as string, 2);
    victimClient = client;
    // Block sync has begun after the last poll that still saw the height the node restarted with.
    let restartHeight: number | null = null;
    let syncStart: { seconds: number; height: number } | null = null;
    lastLog = performance.now();
    const caughtUpSeconds = await pollUntil(
      async () => {
        const height = await blockHeight(client).catch(() => null);
        const at = since();
        if (height === null) return undefined;
        restartHeight ??= height;
        if (height === restartHeight && height < target) syncStart = { seconds: at, height };
        if (performance.now() - lastLog > 5_000) {
          lastLog = performance.now();
          log(`  at ${height} of ${target}`);
        }
        return height >= target ? at : undefined;
      },
      {
        everyMs: POLL_MS,
        timeoutMs: Math.max(300_000, flags.blocks * 100),
        what: `node ${victim} at ${target}`,
      },
    );
    // Already there at its first answer: the sync ran between its RPC coming up and that answer.
    const start = syncStart ?? { seconds: rpcUpSeconds, height: heightAtKill };
    const run: CatchUpRun = {
      heightAtKill,
      target,
      rpcUpSeconds: Number(rpcUpSeconds.toFixed(3)),
      syncStartSeconds: Number(start.seconds.toFixed(3)),
      heightAtSyncStart: start.height,
      caughtUpSeconds: Number(caughtUpSeconds.toFixed(3)),
    };
    log(`  caught up after ${caughtUpSeconds.toFixed(2)} s`);

    const follow = await followTip(client, others, flags.follow, chainBlocksPerSecond);
    log(`  ${JSON.stringify(follow)}`);

    return { chainBlocksPerSecond, run, follow };
  } finally {
    for (const c of clients) c.close();
    victimClient?.close();
    log("stopping the cluster...");
    await shutdown();
  }
}

/**
 * After catching up: the others commit `blocks` more heights; it follows if it holds their head at the end of
 * them within a few block times. Also counts the stored commits of those heights that hold its precommit.
 */
async function followTip(
  client: RpcClient,
  others: readonly RpcClient[],
  blocks: number,
  chainBlocksPerSecond: number,
): Promise<FollowFigures> {
  const validator = (await client.call<{ validator: string | null }>("outrigger_status")).validator;
  const from = maxOf(await heightsOf(others)) ?? 0;
  const end = from + blocks;
  const started = performance.now();
  let maxLag = 0;
  const expectedSeconds = blocks / Math.max(chainBlocksPerSecond, 0.5);
  let followed = true;
  try {
    await pollUntil(
      async () => {
        const [own, head] = await Promise.all([blockHeight(client), heightsOf(others).then(maxOf)]);
        if (head !== null) maxLag = Math.max(maxLag, head - own);
        return own >= end ? true : undefined;
      },
      { everyMs: POLL_MS, timeoutMs: 3 * expectedSeconds * 1000 + 10_000, what: `following to ${end}` },
    );
  } catch (err) {
    log(`  ${errorMessage(err)}`);
    followed = false;
  }
  const seconds = Number(((performance.now() - started) / 1000).toFixed(2));
  let commitsSigned: number | null = null;
  if (validator !== null && followed) {
    commitsSigned = 0;
    const reader = others[0] as RpcClient;
    for (let h = from + 1; h <= end; h++) {
      const commit = await reader.call<{ signatures: { validator: string }[] } | null>("outrigger_commit", [
        h,
      ]);
      if (commit?.signatures.some((s) => s.validator.toLowerCase() === validator.toLowerCase()))
        commitsSigned++;
    }
  }
  return { blocks, followed, seconds, maxLag, commitsSigned };
}

try {
  process.exitCode = await main();
} catch (err) {
  log(`bench:catchup failed: ${errorMessage(err)}`);
  process.exitCode = 1;
}
