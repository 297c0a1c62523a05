import { errorMessage } from "../../node/util/errors.ts";

/**
 * The open-loop plan of one rate step: transaction i is due at offsetsMs[i] after the step starts, whatever the
 * nodes answered before, so a slow node shows up as latency and rejections instead of quietly lowering the load.
 */
export function openLoopOffsets(ratePerSecond: number, seconds: number): number[] {
  if (!(ratePerSecond > 0) || !(seconds > 0)) throw new Error("rate and duration must be positive");
  const count = Math.round(ratePerSecond * seconds);
  const spacing = 1000 / ratePerSecond;
  return Array.from({ length: count }, (_, i) => i * spacing);
}

export interface TxSlot {
  /** Index into the step's senders. */
  sender: number;
  /** The sender's nonce offset within the step (0 for its first transaction). */
  nonce: number;
  /** The node whose RPC receives it. */
  node: number;
}

/**
 * Which sender signs transaction i and which node receives it: senders take turns, so each one's nonces go out
 * in order and far apart, and each sender always uses the same node, so a node never sees a nonce before the one
 * below it just because another node received that one. Consecutive transactions still go to different nodes.
 */
export function slotOf(i: number, senders: number, nodes: number): TxSlot {
  const sender = i % senders;
  return { sender, nonce: Math.floor(i / senders), node: sender % nodes };
}

/** What a send became, as the scheduler saw it. */
export type SendOutcome =
  | { kind: "accepted" }
  | { kind: "rejected"; reason: string }
  /** Due while the in-flight bound was reached: never sent, so the generator, not the node, was the limit. */
  | { kind: "not-sent" }
  /**
   * Not sent because an earlier transaction of its sender was not accepted: a client does not send past a nonce
   * gap it knows of, and a node's pool filling with transactions no block can include would measure the bench.
   */
  | { kind: "abandoned" };

export interface OpenLoopModules {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  /** Resolves after about ms (0: at the next turn of the event loop). */
  sleep(ms: number): Promise<void>;
  send(index: number): Promise<SendOutcome>;
  /** Called once per transaction with what became of it and when it was sent (null when not sent). */
  record(index: number, outcome: SendOutcome, sentAt: number | null): void;
}

export interface OpenLoopResult {
  startedAt: number;
  /** When the last transaction was due (sent or not): the end of the offered window. */
  endedAt: number;
  /** How late the generator dispatched sends, ms: a large value means the generator itself lagged. */
  maxLagMs: number;
}

/**
 * Sends each transaction at its offset with at most maxInFlight unanswered; resolves once every send has an
 * outcome. A transaction due while maxInFlight are unanswered is recorded as not sent.
 */
export async function runOpenLoop(
  offsetsMs: readonly number[],
  maxInFlight: number,
  modules: OpenLoopModules,
): Promise<OpenLoopResult> {
  const { now, sleep, send, record } = modules;
  const startedAt = now();
  let inFlight = 0;
  let maxLagMs = 0;
  const pending = new Set<Promise<void>>();
  let i = 0;
  while (i < offsetsMs.length) {
    const elapsed = now() - startedAt;
    while (i < offsetsMs.length && (offsetsMs[i] as number) <= elapsed) {
      const index = i++;
      maxLagMs = Math.max(maxLagMs, elapsed - (offsetsMs[index] as number));
      if (inFlight >= maxInFlight) {
        record(index, { kind: "not-sent" }, null);
        continue;
      }
      inFlight++;
      const sentAt = now();
      const done: Promise<void> = send(index)
        .catch(
          (err: unknown): SendOutcome => ({ kind: "rejected", reason: `transport: ${errorMessage(err)}` }),
        )
        .then((outcome) => {
          inFlight--;
          pending.delete(done);
          record(index, outcome, sentAt);
        });
      pending.add(done);
    }
    if (i < offsetsMs.length) await sleep(Math.max(0, (offsetsMs[i] as number) - (now() - startedAt)));
  }
  const endedAt = startedAt + (offsetsMs.at(-1) ?? 0);
  await Promise.all(pending);
  return { startedAt, endedAt, maxLagMs: Math.round(maxLagMs) };
}
