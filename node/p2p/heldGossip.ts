import type { TopicName } from "./topics.ts";

/** One payload a node holds and gossips again until it is settled (a checkpoint signature, a deposit claim). */
export interface HeldItem {
  /** Tells the item apart from round to round. */
  key: string;
  /** The payload carrying `gossipId`, so each send is a new gossipsub message (see HeldGossip). */
  payload(gossipId: bigint): Uint8Array;
}

export interface HeldSource {
  topic: TopicName;
  /** What is held now, most urgent first; an item no longer listed is settled and is never sent again. */
  held(): Iterable<HeldItem>;
}

export interface HeldGossipOptions {
  /** How often held items are considered for gossiping again, give or take `jitter`. */
  roundMs: number;
  /** Fraction of roundMs each round moves at random, so validators that started together do not send together. */
  jitter: number;
  /** An item is gossiped again once held this long, then after twice as long, and so on. */
  regossipAfterMs: number;
  /** The longest wait between two re-gossips of one item. */
  maxIntervalMs: number;
  /** Items and bytes sent per source and round at most; a longer list is walked over several rounds. */
  maxPerRound: number;
  maxBytesPerRound: number;
}

export const DEFAULT_HELD_GOSSIP: HeldGossipOptions = {
  roundMs: 3_000,
  jitter: 0.25,
  regossipAfterMs: 3_000,
  maxIntervalMs: 30_000,
  maxPerRound: 256,
  maxBytesPerRound: 64 * 1024,
};

export interface HeldGossipModules {
  sources: readonly HeldSource[];
  publish(topic: TopicName, data: Uint8Array): void;
  now(): number;
  /** Default Math.random; a test passes its own. */
  random?: () => number;
  /** Told of each payload sent again, for the node's metrics. */
  onSent?(topic: TopicName, bytes: number): void;
}

interface SendRecord {
  dueAt: number;
  intervalMs: number;
}

/**
 * Gossips again what this node holds and its peers may lack, because gossipsub never resends an old message to a
 * peer that was away or dropped it. It follows TxGossip's re-gossip: a growing interval per item, a cap per
 * round, and a new message each time (the payload carries a gossip id from a counter with a random start, so
 * neither this node's seen-cache nor its peers' drops it as a duplicate, even after a restart). Receivers ignore
 * (do not forward) a payload they already hold, so a re-gossip travels only as far as it is needed.
 */
export class HeldGossip {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly records = new Map<string, SendRecord>();
  private nextGossipId = BigInt(Math.floor(Math.random() * 2 ** 48));
  private running = false;

  constructor(
    private readonly opts: HeldGossipOptions,
    private readonly modules: HeldGossipModules,
  ) {}

  start(): void {
    this.running = true;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** One round: each source's due items, in its order, within the round's bounds. Returns how many were sent. */
  round(): number {
    const now = this.modules.now();
    const listed = new Set<string>();
    let sent = 0;
    for (const source of this.modules.sources) {
      let count = 0;
      let bytes = 0;
      for (const item of source.held()) {
        const key = `${source.topic}/${item.key}`;
        listed.add(key);
        const record = this.records.get(key);
        if (record === undefined) {
          this.records.set(key, {
            dueAt: now + this.opts.regossipAfterMs,
            intervalMs: this.opts.regossipAfterMs,
          });
          continue;
        }
        if (record.dueAt > now || count >= this.opts.maxPerRound) continue;
        const payload = item.payload(this.takeGossipId());
        if (bytes + payload.length > this.opts.maxBytesPerRound) continue;
        count++;
        bytes += payload.length;
        record.intervalMs = Math.min(record.intervalMs * 2, this.opts.maxIntervalMs);
        record.dueAt = now + record.intervalMs;
        this.modules.publish(source.topic, payload);
        this.modules.onSent?.(source.topic, payload.length);
      }
      sent += count;
    }
    // Settled items (certified and included, minted) are no longer listed: forget them.
    for (const key of this.records.keys()) if (!listed.has(key)) this.records.delete(key);
    return sent;
  }

  private takeGossipId(): bigint {
    const id = this.nextGossipId;
    this.nextGossipId = (this.nextGossipId + 1n) % 2n ** 64n;
    return id;
  }

  private schedule(): void {
    if (!this.running) return;
    const random = this.modules.random ?? Math.random;
    const spread = this.opts.roundMs * this.opts.jitter;
    const delay = Math.max(0, this.opts.roundMs - spread + 2 * spread * random());
    this.timer = setTimeout(() => {
      this.round();
      this.schedule();
    }, delay);
    this.timer.unref?.();
  }
}
