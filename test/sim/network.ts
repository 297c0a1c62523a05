import type { Rng } from "./rng.ts";
import type { Scheduler } from "./scheduler.ts";

/**
 * Per-message behaviour of every link. Delays are drawn per message, which is what reorders them. Before GST
 * (global stabilisation time, as in the partial-synchrony model Tendermint's liveness proof assumes) messages
 * are also dropped and some are very slow; from GST on every message arrives within maxDelayMs.
 */
export interface LinkParams {
  minDelayMs: number;
  maxDelayMs: number;
  /** Before GST a share of messages is slow (a congested link): delay multiplied by slowFactor. */
  slowProb: number;
  slowFactor: number;
  /** Before GST. */
  dropProb: number;
  duplicateProb: number;
  gstMs: number;
}

/**
 * While active, nodes in different groups cannot reach each other. A node listed in no group keeps every link
 * (how an adversary that straddles a partition is modelled).
 */
export interface PartitionSpec {
  startMs: number;
  healMs: number;
  groups: number[][];
}

export interface NetworkStats {
  sent: number;
  delivered: number;
  dropped: number;
  partitioned: number;
  duplicated: number;
}

export type Deliver<M> = (to: number, from: number, message: M) => void;

export class SimNetwork<M> {
  readonly stats: NetworkStats = { sent: 0, delivered: 0, dropped: 0, partitioned: 0, duplicated: 0 };
  private readonly groupOf: Map<number, number>[];

  constructor(
    private readonly scheduler: Scheduler,
    private readonly rng: Rng,
    private readonly link: LinkParams,
    private readonly partitions: readonly PartitionSpec[],
    private readonly deliver: Deliver<M>,
  ) {
    this.groupOf = partitions.map((p) => {
      const map = new Map<number, number>();
      p.groups.forEach((group, g) => {
        for (const node of group) map.set(node, g);
      });
      return map;
    });
  }

  /** Whether a and b can talk at `time`. */
  connected(a: number, b: number, time: number): boolean {
    for (const [i, p] of this.partitions.entries()) {
      if (time < p.startMs || time >= p.healMs) continue;
      const groups = this.groupOf[i];
      const ga = groups?.get(a);
      const gb = groups?.get(b);
      if (ga !== undefined && gb !== undefined && ga !== gb) return false;
    }
    return true;
  }

  send(from: number, to: number, message: M): void {
    this.stats.sent++;
    const copies = this.rng.chance(this.link.duplicateProb) ? 2 : 1;
    if (copies === 2) this.stats.duplicated++;
    for (let c = 0; c < copies; c++) {
      if (!this.connected(from, to, this.scheduler.now)) {
        this.stats.partitioned++;
        continue;
      }
      if (this.scheduler.now < this.link.gstMs && this.rng.chance(this.link.dropProb)) {
        this.stats.dropped++;
        continue;
      }
      this.scheduler.after(this.delay(), () => {
        // A partition that starts while the message is in flight cuts it too.
        if (!this.connected(from, to, this.scheduler.now)) {
          this.stats.partitioned++;
          return;
        }
        this.stats.delivered++;
        this.deliver(to, from, message);
      });
    }
  }

  private delay(): number {
    const { minDelayMs, maxDelayMs, slowProb, slowFactor, gstMs } = this.link;
    const base = minDelayMs + this.rng.float() * (maxDelayMs - minDelayMs);
    const ms = this.scheduler.now < gstMs && this.rng.chance(slowProb) ? base * slowFactor : base;
    // Whole microseconds keep the trace printable and platform independent.
    return Math.round(ms * 1000) / 1000;
  }
}
