/**
 * Who can reach whom, and what that means for the chain: it must advance when the running nodes that reach each
 * other both ways hold more than 2/3 of the power, and must stand still when no group of running nodes joined by
 * any link at all does. In between (one-way links) nothing is asserted.
 */
export type ChainExpectation = "advances" | "halts" | "either";

export interface Member {
  name: string;
  /** The validator it signs for (twins share one). */
  validator: string;
  power: number;
}

export class Topology {
  private readonly blocked = new Set<string>();

  constructor(readonly members: readonly Member[]) {}

  private static key(from: string, to: string): string {
    return `${from}>${to}`;
  }

  /** Whether bytes from `from` reach `to`. */
  passes(from: string, to: string): boolean {
    return !this.blocked.has(Topology.key(from, to));
  }

  block(from: string, to: string): void {
    this.blocked.add(Topology.key(from, to));
  }

  heal(): void {
    this.blocked.clear();
  }

  /** Only inside each group; a node in no group reaches nobody. */
  partition(groups: readonly (readonly string[])[]): void {
    this.heal();
    const groupOf = new Map<string, number>();
    groups.forEach((g, i) => {
      for (const n of g) groupOf.set(n, i);
    });
    for (const a of this.members)
      for (const b of this.members) {
        if (a.name === b.name) continue;
        const ga = groupOf.get(a.name);
        if (ga === undefined || ga !== groupOf.get(b.name)) this.block(a.name, b.name);
      }
  }

  /** The largest share of total power (counting each validator once) held by one group of linked running nodes. */
  bestGroupShare(up: ReadonlySet<string>, linked: (a: string, b: string) => boolean): number {
    return this.bestGroup(up, linked).share;
  }

  /** The running nodes, linked both ways, that hold more than 2/3 of the power; empty when none do. */
  advancingGroup(up: ReadonlySet<string>): Set<string> {
    const best = this.bestGroup(up, (a, b) => this.passes(a, b) && this.passes(b, a));
    return best.share > 2 / 3 ? best.group : new Set();
  }

  private bestGroup(
    up: ReadonlySet<string>,
    linked: (a: string, b: string) => boolean,
  ): { share: number; group: Set<string> } {
    const total = this.totalPower();
    let best = { share: 0, group: new Set<string>() };
    const seen = new Set<string>();
    for (const start of this.members) {
      if (!up.has(start.name) || seen.has(start.name)) continue;
      const group = new Set<string>([start.name]);
      const queue = [start.name];
      while (queue.length > 0) {
        const a = queue.pop() as string;
        for (const b of this.members) {
          if (!up.has(b.name) || group.has(b.name) || !linked(a, b.name)) continue;
          group.add(b.name);
          queue.push(b.name);
        }
      }
      for (const n of group) seen.add(n);
      const validators = new Map(
        this.members.filter((m) => group.has(m.name)).map((m) => [m.validator, m.power] as const),
      );
      const power = [...validators.values()].reduce((a, b) => a + b, 0);
      if (power / total > best.share) best = { share: power / total, group };
    }
    return best;
  }

  expectation(up: ReadonlySet<string>): ChainExpectation {
    const both = this.bestGroupShare(up, (a, b) => this.passes(a, b) && this.passes(b, a));
    if (both > 2 / 3) return "advances";
    const any = this.bestGroupShare(up, (a, b) => this.passes(a, b) || this.passes(b, a));
    return any > 2 / 3 ? "either" : "halts";
  }

  private totalPower(): number {
    const validators = new Map(this.members.map((m) => [m.validator, m.power] as const));
    return [...validators.values()].reduce((a, b) => a + b, 0);
  }
}
