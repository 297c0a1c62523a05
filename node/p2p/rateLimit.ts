export interface TokenBucketOptions {
  /** Burst size: tokens a fresh or rested peer may spend at once. */
  capacity: number;
  refillPerSecond: number;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/** Peers tracked at most; rested (full) buckets are forgotten first, since forgetting them changes nothing. */
const MAX_TRACKED_PEERS = 1024;

/**
 * One token bucket per peer (Lodestar's request quotas work the same way): a peer can burst up to `capacity`
 * and sustain `refillPerSecond`, so it cannot make us serve unbounded data however fast it asks.
 */
export class PeerRateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly opts: TokenBucketOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** Spends `cost` tokens of the peer's bucket if it holds them; a refused request spends nothing. */
  tryTake(peer: string, cost: number): boolean {
    const bucket = this.refill(peer);
    if (cost > bucket.tokens) return false;
    bucket.tokens -= cost;
    return true;
  }

  private refill(peer: string): Bucket {
    const now = this.now();
    let bucket = this.buckets.get(peer);
    if (bucket === undefined) {
      if (this.buckets.size >= MAX_TRACKED_PEERS) this.forgetRested(now);
      bucket = { tokens: this.opts.capacity, updatedMs: now };
      this.buckets.set(peer, bucket);
      return bucket;
    }
    const elapsed = Math.max(0, now - bucket.updatedMs) / 1000;
    bucket.tokens = Math.min(this.opts.capacity, bucket.tokens + elapsed * this.opts.refillPerSecond);
    bucket.updatedMs = now;
    return bucket;
  }

  private forgetRested(now: number): void {
    for (const [peer, bucket] of this.buckets) {
      const tokens = bucket.tokens + ((now - bucket.updatedMs) / 1000) * this.opts.refillPerSecond;
      if (tokens >= this.opts.capacity) this.buckets.delete(peer);
    }
    // All busy: drop the oldest entry rather than grow without bound.
    if (this.buckets.size >= MAX_TRACKED_PEERS) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
  }
}
