import type { SigningInfo } from "./state.ts";

/**
 * The missed-vote window (DESIGN.md §4, Slashing) counted in at most this many buckets of ceil(window / 100)
 * heights, so a validator's record stays small (under 1 KB) whatever the window; exact when window <= 100.
 */
export const MAX_WINDOW_BUCKETS = 100;

interface WindowShape {
  /** Heights per bucket. */
  bucketHeights: number;
  /** Buckets the window spans. */
  buckets: number;
}

function windowShape(window: number): WindowShape {
  const bucketHeights = Math.ceil(window / MAX_WINDOW_BUCKETS);
  return { bucketHeights, buckets: Math.ceil(window / bucketHeights) };
}

/** Heights start at 1: bucket 0 holds heights 1..bucketHeights. */
function bucketOf(height: number, shape: WindowShape): number {
  return Math.floor((height - 1) / shape.bucketHeights);
}

/** The misses counted in the window that ends at `lastHeight`. */
export function missedInWindow(info: SigningInfo, lastHeight: number, window: number): number {
  if (info.missedBuckets.length === 0 || lastHeight < 1) return 0;
  const shape = windowShape(window);
  const newest = bucketOf(lastHeight, shape);
  const oldest = newest - shape.buckets + 1;
  let total = 0;
  info.missedBuckets.forEach((missed, i) => {
    const bucket = info.firstMissedBucket + i;
    if (bucket >= oldest && bucket <= newest) total += missed;
  });
  return total;
}

/** The record with one more miss, at `height` (never below an earlier miss's), and the buckets that left dropped. */
export function withMiss(info: SigningInfo, height: number, window: number): SigningInfo {
  const shape = windowShape(window);
  const bucket = bucketOf(height, shape);
  const oldest = bucket - shape.buckets + 1;
  let first = info.firstMissedBucket;
  let counts = [...info.missedBuckets];
  if (first < oldest) {
    counts = counts.slice(oldest - first);
    first = oldest;
  }
  if (counts.length === 0) first = bucket;
  while (first + counts.length <= bucket) counts.push(0);
  counts[bucket - first] = (counts[bucket - first] ?? 0) + 1;
  while (counts.length > 0 && counts[0] === 0) {
    counts.shift();
    first++;
  }
  return { ...info, firstMissedBucket: first, missedBuckets: counts };
}

/** The most misses the window allows: window - ceil(window * minSignedPpm / 1e6); one more jails. */
export function maxMissed(window: number, minSignedPpm: number): number {
  const minSigned = (BigInt(window) * BigInt(minSignedPpm) + 999_999n) / 1_000_000n;
  return window - Number(minSigned);
}
