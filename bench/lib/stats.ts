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
 * Committed transactions per second of a step. Commits arrive a block at a time and about one latency after their
 * sends, so the count is divided by the span of the commits (plus the block interval the first block stands for),
 * never by less than the offered window: a chain that keeps up reads the offered rate, one that builds a backlog
 * reads what it drained.
 */
export function committedRate(
  commitTimesMs: readonly number[],
  meanBlockIntervalMs: number,
  offeredSeconds: number,
): number {
  if (commitTimesMs.length === 0) return 0;
  // A loop, not Math.min(...): a long step commits more values than a call can take as arguments.
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const t of commitTimesMs) {
    if (t < first) first = t;
    if (t > last) last = t;
  }
  const spanSeconds = Math.max(offeredSeconds, (last - first + meanBlockIntervalMs) / 1000);
  return commitTimesMs.length / spanSeconds;
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
