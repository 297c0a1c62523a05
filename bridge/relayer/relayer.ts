import type { Logger } from "pino";
import type { CheckpointDomainParams } from "../../node/types/index.ts";
import { errorMessage } from "../../node/util/errors.ts";
import { CheckpointSubmitter } from "./checkpointSubmitter.ts";
import { DepositFeed } from "./depositFeed.ts";
import { ExitWorker } from "./exitWorker.ts";
import type { L1Side } from "./l1.ts";
import { RelayerMetrics, type RelayerTaskName } from "./metrics.ts";
import type { SidechainSide } from "./sidechain.ts";

export interface RelayerOptions {
  /** Pause between the end of one tick and the start of the next. */
  intervalMs?: number;
  /** Also exit withdrawals on L1 for their recipients. */
  exit?: boolean;
  /** The CheckpointManager's EIP-712 domain (L1 chain id and address), from the node's bridgeInfo. */
  domain: CheckpointDomainParams;
  depositBatchSize?: number;
  exitBatchSize?: number;
  /** Wait before retrying an exit L1 refused. */
  exitRetryMs?: number;
}

export interface RelayerModules {
  l1: L1Side;
  sidechain: SidechainSide;
  logger: Logger;
  metrics?: RelayerMetrics;
}

export interface Relayer {
  readonly metrics: RelayerMetrics;
  /** Runs ticks every interval until stop(). */
  start(): void;
  /** Stops the loop and waits for the tick in progress to end. */
  stop(): Promise<void>;
  /** One pass of every task; never rejects, and never overlaps another tick. */
  tick(): Promise<void>;
}

interface Task {
  readonly name: RelayerTaskName;
  run(signal: AbortSignal): Promise<void>;
}

/**
 * The relayer (DESIGN.md §5): untrusted and stateless in what matters. Each tick every task derives its work
 * from L1 and the sidechain, so a crash loses nothing and a restart repeats nothing. A task that fails (node or
 * L1 down, a revert) is logged and counted, and the next tick tries again: only a stop() ends the loop.
 */
export function createRelayer(opts: RelayerOptions, modules: RelayerModules): Relayer {
  const { l1, sidechain, logger } = modules;
  const metrics = modules.metrics ?? new RelayerMetrics();
  const intervalMs = opts.intervalMs ?? 500;
  const deposits = new DepositFeed(
    { batchSize: opts.depositBatchSize },
    { l1, sidechain, metrics, logger: logger.child({ task: "deposits" }) },
  );
  const checkpoints = new CheckpointSubmitter(
    { domain: opts.domain },
    { l1, sidechain, metrics, logger: logger.child({ task: "checkpoints" }) },
  );
  const exits = opts.exit
    ? new ExitWorker(
        { batchSize: opts.exitBatchSize, stuckRetryMs: opts.exitRetryMs },
        { l1, sidechain, metrics, logger: logger.child({ task: "exits" }) },
      )
    : null;

  const abort = new AbortController();
  let timer: NodeJS.Timeout | null = null;
  let running = false;
  // Ticks chain on one promise, so an explicit tick() during the loop waits instead of overlapping.
  let last: Promise<void> = Promise.resolve();

  async function runTask(task: Task): Promise<void> {
    try {
      await task.run(abort.signal);
    } catch (err) {
      metrics.errors.inc({ task: task.name });
      logger.warn({ task: task.name, err: errorMessage(err) }, "task failed; retrying next tick");
    }
  }

  async function onePass(): Promise<void> {
    if (abort.signal.aborted) return;
    // Deposits only write to the sidechain, so they run alongside; checkpoints and exits share the L1 key,
    // and exits need the checkpoints just submitted, so those two run in sequence.
    await Promise.all([
      runTask(deposits),
      (async () => {
        await runTask(checkpoints);
        if (exits !== null) await runTask(exits);
      })(),
    ]);
  }

  function tick(): Promise<void> {
    last = last.then(onePass);
    return last;
  }

  function schedule(): void {
    if (!running) return;
    timer = setTimeout(() => {
      timer = null;
      void tick().then(schedule);
    }, intervalMs);
  }

  return {
    metrics,
    tick,
    start() {
      if (running || abort.signal.aborted) return;
      running = true;
      logger.info({ intervalMs, exit: exits !== null }, "relayer started");
      void tick().then(schedule);
    },
    async stop() {
      running = false;
      abort.abort();
      if (timer !== null) clearTimeout(timer);
      timer = null;
      await last;
      logger.info("relayer stopped");
    },
  };
}
