import type { Address } from "../../node/crypto/index.ts";
import { errorMessage } from "../../node/util/errors.ts";
import type { BenchAccount } from "./accounts.ts";
import type { BlockWatcher } from "./blockWatcher.ts";
import { type CpuSample, cpuPercent, cpuSample, memorySample } from "./procStats.ts";
import { RpcCallError, type RpcClient } from "./rpcClient.ts";
import { openLoopOffsets, runOpenLoop, type SendOutcome, slotOf } from "./schedule.ts";
import { committedRate, type LatencySummary, rejectionKey, summarizeLatencies } from "./stats.ts";
import { type SignedTx, signTransfer, transferCall } from "./transfers.ts";
import type { TransferKind } from "./verdict.ts";

export interface StepOptions {
  kind: TransferKind;
  ratePerSecond: number;
  seconds: number;
  /** Fresh accounts (nonce 0) used by this step only: a rejection in one step cannot strand the next one's. */
  senders: readonly BenchAccount[];
  maxInFlight: number;
  /** How long after the last send accepted transactions may still take to commit. */
  drainSeconds: number;
  chainId: bigint;
  maxFeePerGas: bigint;
  /** The system token (token kind) or the deployed ERC20 contract (erc20 kind) the transfers call. */
  token: Address;
  /** The senders' first nonce in this step: 1 when a setup transaction (the erc20 kind's mint) used 0. */
  firstNonce?: number;
}

export interface StepModules {
  /** One per node, in node order. */
  clients: readonly RpcClient[];
  watcher: BlockWatcher;
  /** Commits the watcher reports go to the step that registered the hash. */
  track(hashes: ReadonlyMap<string, number>, onCommit: (index: number, seenAt: number) => void): () => void;
  /** The node processes, in node order (null if one is not running). */
  pids: readonly (number | null)[];
  log(line: string): void;
}

export interface NodeUsage {
  node: number;
  cpuPercent: number | null;
  rssMiB: number | null;
  peakRssMiB: number | null;
}

export interface StepReport {
  kind: TransferKind;
  offeredPerSecond: number;
  seconds: number;
  offered: number;
  /** Due while the in-flight bound was reached: the generator, not the cluster, was the limit. */
  notSent: number;
  /** Not sent because an earlier transaction of the same sender was not accepted (it would wait on the gap). */
  abandoned: number;
  accepted: number;
  acceptedPerSecond: number;
  committed: number;
  committedPerSecond: number;
  /** Rejections by reason (code and message with numbers masked). */
  rejections: Record<string, number>;
  /** Accepted behind a rejected or unsent transaction of the same sender: they wait on a nonce gap forever. */
  strandedByGap: number;
  /** Accepted with no gap before them, yet not committed within the drain period: should be 0. */
  lost: number;
  latencyMs: LatencySummary;
  blocks: number;
  blocksPerSecond: number;
  txsPerBlock: { mean: number; max: number };
  /** The latest the generator dispatched a due send, ms. */
  generatorMaxLagMs: number;
  signSeconds: number;
  drainSeconds: number;
  /** Each node's CPU over the step and its drain, and its memory at the end. */
  nodes: NodeUsage[];
  watcherError: string | null;
}

interface TxRecord {
  tx: SignedTx;
  sender: number;
  node: number;
  outcome: SendOutcome | null;
  sentAt: number | null;
  committedAt: number | null;
}

const round2 = (v: number) => Math.round(v * 100) / 100;

/** Signs the step's transactions up front: signing is not what the step measures. */
function signStep(opts: StepOptions, nodes: number): TxRecord[] {
  const count = openLoopOffsets(opts.ratePerSecond, opts.seconds).length;
  const senders = Math.min(opts.senders.length, count);
  const records: TxRecord[] = [];
  for (let i = 0; i < count; i++) {
    const slot = slotOf(i, senders, nodes);
    const sender = opts.senders[slot.sender] as BenchAccount;
    // Each pays the next sender: recipients are funded accounts, not thousands of new ones.
    const recipient = (opts.senders[(slot.sender + 1) % opts.senders.length] as BenchAccount).address;
    const tx = signTransfer(sender.key, {
      ...transferCall(opts.kind, recipient, opts.token),
      chainId: opts.chainId,
      nonce: BigInt((opts.firstNonce ?? 0) + slot.nonce),
      maxFeePerGas: opts.maxFeePerGas,
    });
    records.push({
      tx,
      sender: slot.sender,
      node: slot.node,
      outcome: null,
      sentAt: null,
      committedAt: null,
    });
  }
  return records;
}

/**
 * A sender's transactions can commit up to its first one that was not accepted; those accepted after it wait on
 * the nonce gap (stranded), which is the load's doing, not a loss. Records are in each sender's nonce order.
 */
export function classifyAccepted<R extends { sender: number; outcome: SendOutcome | null }>(
  records: readonly R[],
): { committable: R[]; stranded: number } {
  const gapped = new Set<number>();
  const committable: R[] = [];
  let stranded = 0;
  for (const r of records) {
    if (r.outcome?.kind !== "accepted") {
      gapped.add(r.sender);
      continue;
    }
    if (gapped.has(r.sender)) stranded++;
    else committable.push(r);
  }
  return { committable, stranded };
}

/** Which senders have a transaction that was not accepted: none of their later nonces is sent. */
export function senderGapGuard(): {
  blocked(sender: number): boolean;
  note(sender: number, outcome: SendOutcome): void;
} {
  const failed = new Set<number>();
  return {
    blocked: (sender) => failed.has(sender),
    note(sender, outcome) {
      if (outcome.kind !== "accepted") failed.add(sender);
    },
  };
}

const GENERATOR_TICK_MS = 2;

export async function runStep(opts: StepOptions, modules: StepModules): Promise<StepReport> {
  const { clients, watcher, pids, log } = modules;
  const signStart = performance.now();
  const records = signStep(opts, clients.length);
  const signSeconds = (performance.now() - signStart) / 1000;
  log(`  signed ${records.length} ${opts.kind} transfers in ${signSeconds.toFixed(1)} s`);
  const byHash = new Map(records.map((r, i) => [r.tx.hash, i]));
  const gaps = senderGapGuard();
  const untrack = modules.track(byHash, (index, seenAt) => {
    const r = records[index];
    if (r && r.committedAt === null) r.committedAt = seenAt;
  });
  try {
    const cpuStart = pids.map((pid) => (pid === null ? null : cpuSample(pid)));
    const blocksBefore = watcher.blocks.length;
    const loop = await runOpenLoop(openLoopOffsets(opts.ratePerSecond, opts.seconds), opts.maxInFlight, {
      now: () => performance.now(),
      // Never less than a 2 ms tick: the sends due meanwhile go out together, and the generator does not spin
      // on setImmediate on the cores it shares with the nodes (latency counts from each actual send).
      sleep: (ms) => new Promise((r) => setTimeout(r, Math.max(ms, GENERATOR_TICK_MS))),
      send: async (index) => {
        const r = records[index] as TxRecord;
        if (gaps.blocked(r.sender)) return { kind: "abandoned" };
        try {
          await (clients[r.node] as RpcClient).call<string>("eth_sendRawTransaction", [r.tx.raw]);
          return { kind: "accepted" };
        } catch (err) {
          // Only a retried send can be known already (each transaction goes to one node, once): it got there.
          if (err instanceof RpcCallError && /already known/i.test(err.message)) return { kind: "accepted" };
          const reason =
            err instanceof RpcCallError
              ? `${err.code} ${rejectionKey(err.message)}`
              : `transport: ${errorMessage(err)}`;
          return { kind: "rejected", reason };
        }
      },
      record: (index, outcome, sentAt) => {
        const r = records[index] as TxRecord;
        gaps.note(r.sender, outcome);
        r.outcome = outcome;
        r.sentAt = sentAt;
      },
    });
    const { committable, stranded } = classifyAccepted(records);
    const drainStart = performance.now();
    const drainDeadline = drainStart + opts.drainSeconds * 1000;
    while (committable.some((r) => r.committedAt === null) && performance.now() < drainDeadline) {
      await new Promise((r) => setTimeout(r, 200));
    }
    await watcher.settled();
    const endedAt = performance.now();
    const cpuEnd = pids.map((pid) => (pid === null ? null : cpuSample(pid)));
    return summarize(opts, records, {
      committable,
      stranded,
      startedAt: loop.startedAt,
      endedAt,
      maxLagMs: loop.maxLagMs,
      signSeconds,
      drainSeconds: (endedAt - drainStart) / 1000,
      blocks: watcher.blocks
        .slice(blocksBefore)
        .filter((b) => b.seenAt >= loop.startedAt && b.seenAt <= endedAt),
      nodes: pids.map((pid, node) => {
        const from = cpuStart[node];
        const to = cpuEnd[node];
        const mem = pid === null ? null : memorySample(pid);
        return {
          node,
          cpuPercent: from && to ? Math.round(cpuPercent(from as CpuSample, to)) : null,
          rssMiB: mem?.rssMiB ?? null,
          peakRssMiB: mem?.peakRssMiB ?? null,
        };
      }),
      watcherError: watcher.error,
    });
  } finally {
    untrack();
  }
}

function summarize(
  opts: StepOptions,
  records: readonly TxRecord[],
  run: {
    committable: TxRecord[];
    stranded: number;
    startedAt: number;
    endedAt: number;
    maxLagMs: number;
    signSeconds: number;
    drainSeconds: number;
    blocks: { seenAt: number; txCount: number }[];
    nodes: NodeUsage[];
    watcherError: string | null;
  },
): StepReport {
  const rejections: Record<string, number> = {};
  let notSent = 0;
  let abandoned = 0;
  let accepted = 0;
  for (const r of records) {
    if (r.outcome?.kind === "accepted") accepted++;
    else if (r.outcome?.kind === "not-sent") notSent++;
    else if (r.outcome?.kind === "abandoned") abandoned++;
    else if (r.outcome?.kind === "rejected")
      rejections[r.outcome.reason] = (rejections[r.outcome.reason] ?? 0) + 1;
  }
  const committedRecords = records.filter((r) => r.committedAt !== null);
  const latencies = committedRecords.map(
    (r) => (r.committedAt as number) - (r.sentAt ?? (r.committedAt as number)),
  );
  const windowSeconds = (run.endedAt - run.startedAt) / 1000;
  const blockCount = run.blocks.length;
  const meanBlockIntervalMs = blockCount === 0 ? 0 : (windowSeconds * 1000) / blockCount;
  const txCounts = run.blocks.map((b) => b.txCount);
  return {
    kind: opts.kind,
    offeredPerSecond: opts.ratePerSecond,
    seconds: opts.seconds,
    offered: records.length,
    notSent,
    abandoned,
    accepted,
    acceptedPerSecond: round2(accepted / opts.seconds),
    committed: committedRecords.length,
    committedPerSecond: round2(
      committedRate(
        committedRecords.map((r) => r.committedAt as number),
        meanBlockIntervalMs,
        opts.seconds,
      ),
    ),
    rejections,
    strandedByGap: run.stranded,
    lost: run.committable.filter((r) => r.committedAt === null).length,
    latencyMs: summarizeLatencies(latencies),
    blocks: blockCount,
    blocksPerSecond: round2(windowSeconds > 0 ? blockCount / windowSeconds : 0),
    txsPerBlock: {
      mean: round2(blockCount === 0 ? 0 : txCounts.reduce((a, b) => a + b, 0) / blockCount),
      max: Math.max(0, ...txCounts),
    },
    generatorMaxLagMs: run.maxLagMs,
    signSeconds: round2(run.signSeconds),
    drainSeconds: round2(run.drainSeconds),
    nodes: run.nodes,
    watcherError: run.watcherError,
  };
}
