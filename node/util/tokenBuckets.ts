export interface TokenBucketOptions {
  /** Burst size: tokens a fresh or rested client may spend at once. */
  capacity: number;
  refillPerSecond: number;
  /** Clients tracked at most (1,024 unless set); rested (full) buckets are forgotten first. */
  maxKeys?: number;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

export type TakeResult = { ok: true } | { ok: false; retryAfterMs: number };

const DEFAULT_MAX_KEYS = 1024;

/**
 * One token bucket per key (a peer, a client address), as Lodestar's request quotas and RPC providers' rate
 * limits work: a key can burst up to `capacity` and sustain `refillPerSecond`, so it cannot make us serve
 * unbounded work however fast it asks. Forgetting a rested bucket changes nothing, so memory stays bounded.
 */
export class KeyedTokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly maxKeys: number;

  constructor(
    private readonly opts: TokenBucketOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.maxKeys = opts.maxKeys ?? DEFAULT_MAX_KEYS;
  }

  /** Spends `cost` tokens of the key's bucket if it holds them; a refused request spends nothing. */
  tryTake(key: string, cost: number): boolean {
    return this.take(key, cost).ok;
  }

  /** As tryTake, and when refused, how long until the bucket holds `cost` tokens (the client's retry hint). */
  take(key: string, cost: number): TakeResult {
    const bucket = this.refill(key);
    if (cost <= bucket.tokens) {
      bucket.tokens -= cost;
      return { ok: true };
    }
    const missing = Math.min(cost, this.opts.capacity) - bucket.tokens;
    return { ok: false, retryAfterMs: Math.ceil((missing / this.opts.refillPerSecond) * 1000) };
  }

  get size(): number {
    return this.buckets.size;
  }

  private refill(key: string): Bucket {
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxKeys) this.forgetRested(now);
      bucket = { tokens: this.opts.capacity, updatedMs: now };
      this.buckets.set(key, bucket);
      return bucket;
    }
    const elapsed = Math.max(0, now - bucket.updatedMs) / 1000;
    bucket.tokens = Math.min(this.opts.capacity, bucket.tokens + elapsed * this.opts.refillPerSecond);
    bucket.updatedMs = now;
    return bucket;
  }

  private forgetRested(now: number): void {
    for (const [key, bucket] of this.buckets) {
      const tokens = bucket.tokens + ((now - bucket.updatedMs) / 1000) * this.opts.refillPerSecond;
      if (tokens >= this.opts.capacity) this.buckets.delete(key);
    }
    // All busy: drop the oldest tenth rather than grow without bound (and rather than scan again on every insert).
    if (this.buckets.size >= this.maxKeys) {
      let drop = Math.max(1, Math.floor(this.maxKeys / 10));
      for (const key of this.buckets.keys()) {
        if (drop-- === 0) break;
        this.buckets.delete(key);
      }
    }
  }
}
