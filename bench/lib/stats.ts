/** Latency summary of one rate step, in milliseconds; null fields when nothing was measured. */
export interface LatencySummary {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
  mean: number | null;
}

/**
 * Nearest-rank percentile of ascending values (q in [0, 1]): the smallest value with at least q of the samples at
 * or below it, so p99 of 100 samples is the 99th, not an interpolation between two.
 */
export function percentile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  if (q <= 0) return sorted[0] as number;
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length, rank) - 1] as number;
}

export function summarizeLatencies(values: readonly number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.length === 0 ? null : sorted.reduce((a, b) => a + b, 0) / sorted.length;
  const round = (v: number | null) => (v === null ? null : Math.round(v));
  return {
    count: sorted.length,
    p50: round(percentile(sorted, 0.5)),
    p95: round(percentile(sorted, 0.95)),
    p99: round(percentile(sorted, 0.99)),
    max: round(sorted.at(-1) ?? null),
    mean: round(mean),
  };
}

/**
 * Committed transactions per second of a step, in steady state. Commits arrive a block at a time: the first block
 * covers however little of the window fell before it, and the last one also the idle time after the sends, so both
 * are left out and the blocks between count over the time between the first and the second-to-last. A chain that
 * keeps up reads the offered rate whatever the block boundaries; one that builds a backlog reads what it drained.
 * The span is never taken shorter than the offered window less two block intervals, so commits bunched after a
 * stall do not read as a rate the chain never sustained.
 */
export function committedRate(
  commitTimesMs: readonly number[],
  meanBlockIntervalMs: number,
  offeredSeconds: number,
): number {
  if (commitTimesMs.length === 0) return 0;
  // Every transaction of a block carries the time the block was seen: one count per distinct time.
  const perBlock = new Map<number, number>();
  for (const t of commitTimesMs) perBlock.set(t, (perBlock.get(t) ?? 0) + 1);
  const times = [...perBlock.keys()].sort((a, b) => a - b);
  if (times.length < 3) return commitTimesMs.length / offeredSeconds;
  let middle = 0;
  for (const t of times.slice(1, -1)) middle += perBlock.get(t) ?? 0;
  const spanSeconds = Math.max(
    ((times.at(-2) as number) - (times[0] as number)) / 1000,
    offeredSeconds - (2 * meanBlockIntervalMs) / 1000,
  );
  return middle / spanSeconds;
}

/**
 * Groups rejection messages: numbers, hashes and addresses are masked so "nonce too low: 5" and "nonce too low: 7"
 * count as one reason.
 */
export function rejectionKey(message: string): string {
  return message
    .replace(/0x[0-9a-fA-F]+/g, "0x…")
    .replace(/\d+/g, "N")
    .slice(0, 160);
}
