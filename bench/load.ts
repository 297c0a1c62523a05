import "../node/util/polyfill.ts";
import { parseArgs } from "node:util";
import { DEVNET_DEFAULTS } from "../genesis/defaults.ts";
import { errorMessage } from "../node/util/errors.ts";
import { type BenchAccount, benchAccounts } from "./lib/accounts.ts";
import { BlockWatcher } from "./lib/blockWatcher.ts";
import { measureBounds, type SingleProcessBounds } from "./lib/bounds.ts";
import { deployClusterToken } from "./lib/clusterToken.ts";
import { BENCH_TOKEN_ADDRESS, startLoadCluster, type TimeoutPreset } from "./lib/loadCluster.ts";
import { boundRatios, formatLoadReport, type LoadReport } from "./lib/loadReport.ts";
import { runStep, type StepReport } from "./lib/loadStep.ts";
import { RpcClient } from "./lib/rpcClient.ts";
import { openLoopOffsets } from "./lib/schedule.ts";
import { DEFAULT_SATURATION_RULE, judgeGoals, saturationPoint, type TransferKind } from "./lib/verdict.ts";

/**
 * Pre-signed transactions must stay includable while the load raises the EIP-1559 base fee block after block:
 * their fee cap is far above the floor (wallets sign at twice the current base fee); they pay the base fee only.
 */
const PRESIGNED_FEE_CAP = 100n * DEVNET_DEFAULTS.minGasPrice;

/**
 * `npm run bench:load`: throughput of a real 4-validator cluster under an open-loop load of pre-signed transfers
 * at rising offered rates (see the usage text). Progress goes to stderr; the JSON report, then its tables, to
 * stdout. Exits 1 if a step committed nothing or lost an accepted transaction (a bug, whatever the load).
 */
const USAGE = `usage: npm run bench:load -- [options]
  --rates 100,250,500,1000,1250,1500,2000  offered rates, tx/s, one step each
  --seconds 15                   duration of each step
  --warmup 10                    seconds at the first rate before the measured steps (0: none)
  --kind native|token|erc20      native coin, system token transfer(), or an EVM ERC20's (TestToken, deployed
                                 and minted to every sender before the steps)
  --senders 2000                 fresh funded accounts per step (each sender's nonces go out in order)
  --max-in-flight 512            unanswered sends at most; a send due beyond it counts as not sent
  --drain 30                     seconds after a step for accepted transactions to commit
  --validators 4
  --timeouts devnet|fast         consensus timeouts: the devnet's (~1 block/s) or the tests' faster ones
  --p99-bound 2000               p99 latency (ms) within which a step counts as kept up
  --no-bounds                    skip the single-process bounds
  --keep                         keep the nodes' folders (logs, databases) and print where
quick CI sanity check: npm run bench:load:quick (= --rates 50 --seconds 5)`;

interface Flags {
  rates: number[];
  seconds: number;
  warmup: number;
  kind: TransferKind;
  senders: number;
  maxInFlight: number;
  drain: number;
  validators: number;
  timeouts: TimeoutPreset;
  p99Bound: number;
  bounds: boolean;
  keep: boolean;
}

function positive(value: string, what: string): number {
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n))
    throw new Error(`${what}: expected a positive number, got ${value}\n${USAGE}`);
  return n;
}

function parseFlags(argv: string[]): Flags {
  const { values } = parseArgs({
    args: argv,
    options: {
      rates: { type: "string", default: "100,250,500,1000,1250,1500,2000" },
      seconds: { type: "string", default: "15" },
      warmup: { type: "string", default: "10" },
      kind: { type: "string", default: "native" },
      senders: { type: "string", default: "2000" },
      "max-in-flight": { type: "string", default: "512" },
      drain: { type: "string", default: "30" },
      validators: { type: "string", default: "4" },
      timeouts: { type: "string", default: "devnet" },
      "p99-bound": { type: "string", default: "2000" },
      "no-bounds": { type: "boolean", default: false },
      keep: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const kind = values.kind;
  if (kind !== "native" && kind !== "token" && kind !== "erc20")
    throw new Error(`--kind: ${kind}?\n${USAGE}`);
  const timeouts = values.timeouts;
  if (timeouts !== "devnet" && timeouts !== "fast") throw new Error(`--timeouts: ${timeouts}?\n${USAGE}`);
  return {
    rates: values.rates.split(",").map((r) => positive(r.trim(), "--rates")),
    seconds: positive(values.seconds, "--seconds"),
    warmup: values.warmup === "0" ? 0 : positive(values.warmup, "--warmup"),
    kind,
    senders: Math.floor(positive(values.senders, "--senders")),
    maxInFlight: Math.floor(positive(values["max-in-flight"], "--max-in-flight")),
    drain: positive(values.drain, "--drain"),
    validators: Math.floor(positive(values.validators, "--validators")),
    timeouts,
    p99Bound: positive(values["p99-bound"], "--p99-bound"),
    bounds: !values["no-bounds"],
    keep: values.keep,
  };
}

const log = (line: string) => process.stderr.write(`${line}\n`);

interface PlannedStep {
  rate: number;
  seconds: number;
  /** False for the warm-up: the first load also warms the nodes (JIT, caches, pools), which is not a rate's cost. */
  measured: boolean;
  /** Fresh senders, as many as it sends transactions or --senders, whichever is fewer. */
  senders: BenchAccount[];
}

function planSteps(flags: Flags): PlannedStep[] {
  const first = flags.rates[0] as number;
  const runs = [
    ...(flags.warmup > 0 ? [{ rate: first, seconds: flags.warmup, measured: false }] : []),
    ...flags.rates.map((rate) => ({ rate, seconds: flags.seconds, measured: true })),
  ];
  let next = 0;
  return runs.map((run) => {
    const count = Math.min(flags.senders, openLoopOffsets(run.rate, run.seconds).length);
    const senders = benchAccounts(next, count);
    next += count;
    return { ...run, senders };
  });
}

/**
 * Waits until every node has seen `blocks` more blocks than the highest one had when this began: the last node
 * started has caught up and consensus runs with every validator before the load starts.
 */
async function warmUp(clients: readonly RpcClient[], blocks: number): Promise<void> {
  const heights = async () =>
    Promise.all(clients.map((c) => c.call<string>("eth_blockNumber").then((h) => Number.parseInt(h, 16))));
  const deadline = Date.now() + 300_000;
  let target: number | null = null;
  while (Date.now() < deadline) {
    try {
      const now = await heights();
      target ??= Math.max(...now) + blocks;
      if (Math.min(...now) >= target) return;
    } catch {
      // A node not answering yet.
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the validators did not all reach height ${target ?? "?"} within 5 minutes`);
}

async function main(): Promise<number> {
  const flags = parseFlags(process.argv.slice(2));

  let bounds: SingleProcessBounds | null = null;
  if (flags.bounds) {
    log("measuring single-process bounds (before the cluster starts, so nothing competes with them)...");
    bounds = await measureBounds(flags.kind);
    log(`  ${JSON.stringify(bounds)}`);
  }

  log("deriving sender accounts...");
  const planned = planSteps(flags);
  const allSenders = planned.flatMap((p) => p.senders);
  // The next account after every step's: it creates the erc20 kind's token.
  const [deployer] = benchAccounts(allSenders.length, 1);
  if (deployer === undefined) throw new Error("no deployer account");
  log(`starting ${flags.validators} validators with ${allSenders.length} funded senders...`);
  const { cluster, shutdown } = await startLoadCluster({
    validators: flags.validators,
    senders: [...allSenders, deployer],
    timeouts: flags.timeouts,
    keep: flags.keep,
  });
  if (flags.keep) log(`  the nodes' folders stay in ${cluster.dir}`);
  const perNode = Math.ceil(flags.maxInFlight / flags.validators);
  const clients = cluster.nodes.map((n) => new RpcClient(n.rpcUrl, perNode));
  const watcherClient = new RpcClient(cluster.nodes[0]?.rpcUrl as string, 2);
  const trackers = new Set<{
    hashes: ReadonlyMap<string, number>;
    onCommit: (i: number, at: number) => void;
  }>();
  const watcher = new BlockWatcher(cluster.nodes[0]?.wsUrl as string, {
    rpc: watcherClient,
    onCommitted(hash, seenAt) {
      for (const t of trackers) {
        const index = t.hashes.get(hash);
        if (index !== undefined) t.onCommit(index, seenAt);
      }
    },
  });
  const steps: StepReport[] = [];
  try {
    for (const n of cluster.nodes) log(`  node ${n.index}: pid ${n.process?.child.pid}, rpc ${n.rpcUrl}`);
    log("waiting until every validator is in step...");
    await warmUp(clients, 3);
    let token = BENCH_TOKEN_ADDRESS;
    if (flags.kind === "erc20") {
      log(`deploying TestToken and minting to ${allSenders.length} senders (their nonce 0)...`);
      token = await deployClusterToken(
        {
          deployer,
          senders: allSenders,
          chainId: DEVNET_DEFAULTS.chainId,
          maxFeePerGas: PRESIGNED_FEE_CAP,
          timeoutMs: 600_000,
        },
        { clients, log },
      );
    }
    await watcher.start();
    const measured = planned.filter((p) => p.measured).length;
    for (const plan of planned) {
      const what = `${plan.rate} tx/s of ${flags.kind} transfers for ${plan.seconds} s`;
      log(
        plan.measured ? `step ${steps.length + 1}/${measured}: ${what}` : `warm-up (not reported): ${what}`,
      );
      const step = await runStep(
        {
          kind: flags.kind,
          ratePerSecond: plan.rate,
          seconds: plan.seconds,
          senders: plan.senders,
          maxInFlight: flags.maxInFlight,
          drainSeconds: flags.drain,
          chainId: DEVNET_DEFAULTS.chainId,
          maxFeePerGas: PRESIGNED_FEE_CAP,
          token,
          firstNonce: flags.kind === "erc20" ? 1 : 0,
        },
        {
          clients,
          watcher,
          track(hashes, onCommit) {
            const tracker = { hashes, onCommit };
            trackers.add(tracker);
            return () => trackers.delete(tracker);
          },
          pids: cluster.nodes.map((n) => n.process?.child.pid ?? null),
          log,
        },
      );
      if (plan.measured) steps.push(step);
      log(
        `  accepted ${step.acceptedPerSecond}/s, committed ${step.committedPerSecond}/s, p99 ${step.latencyMs.p99 ?? "-"} ms, lost ${step.lost}`,
      );
    }
  } finally {
    watcher.stop();
    for (const c of [...clients, watcherClient]) c.close();
    log("stopping the cluster...");
    await shutdown();
  }

  const rule = { ...DEFAULT_SATURATION_RULE, maxP99Ms: flags.p99Bound };
  const figures = steps.map((s) => ({
    kind: s.kind,
    offeredPerSecond: s.offeredPerSecond,
    committedPerSecond: s.committedPerSecond,
    p50Ms: s.latencyMs.p50,
    p99Ms: s.latencyMs.p99,
    lost: s.lost,
  }));
  const bestCommitted = steps
    .filter((s) => s.lost === 0)
    .reduce((m, s) => Math.max(m, s.committedPerSecond), 0);
  const report: LoadReport = {
    settings: {
      kind: flags.kind,
      rates: flags.rates,
      seconds: flags.seconds,
      warmupSeconds: flags.warmup,
      validators: flags.validators,
      sendersPerStep: flags.senders,
      maxInFlight: flags.maxInFlight,
      drainSeconds: flags.drain,
      timeouts: flags.timeouts,
    },
    steps,
    saturation: { offeredPerSecond: saturationPoint(figures, rule), rule },
    bounds,
    ratios: bounds === null ? [] : boundRatios(bestCommitted, bounds),
    goals: judgeGoals(figures),
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n\n${formatLoadReport(report)}\n`);
  const broken = steps.filter((s) => s.committed === 0 || s.lost > 0 || s.watcherError !== null);
  for (const s of broken) {
    log(
      `FAILED at ${s.offeredPerSecond} tx/s: committed ${s.committed}, lost ${s.lost}${s.watcherError ? `, block watcher: ${s.watcherError}` : ""}`,
    );
  }
  return broken.length === 0 ? 0 : 1;
}

try {
  process.exitCode = await main();
} catch (err) {
  log(`bench:load failed: ${errorMessage(err)}`);
  process.exitCode = 1;
}
