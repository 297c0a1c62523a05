import { blockHashAt, heightOf } from "../helpers/cluster.ts";
import type { VoteObserver } from "./observer.ts";

export class InvariantError extends Error {
  override readonly name = "InvariantError";
}

/** A running node as the checks see it: its name and where its RPC answers now. */
export interface Probe {
  name: string;
  rpcUrl: string;
}

/**
 * What the network committed, as the runner has seen it: the first hash seen at each height is the canonical
 * one, and every node must agree with it (agreement); the height each node had when it was stopped must still
 * be there, with the same hash, when it runs again (durability).
 */
export class ChainRecord {
  private readonly hashes = new Map<number, string>();
  /** Per node, the highest height already compared. */
  private readonly checkedUpTo = new Map<string, number>();
  /** Per node, what it had committed when it last went down. */
  private readonly before = new Map<string, number>();
  checks = 0;

  get tip(): number {
    return Math.max(0, ...this.hashes.keys());
  }

  /** Compares every height since the node's last check with the canonical hashes; returns its height. */
  async checkAgreement(node: Probe): Promise<number> {
    const height = await heightOf(node.rpcUrl);
    const from = (this.checkedUpTo.get(node.name) ?? 0) + 1;
    for (let h = from; h <= height; h++) {
      const hash = await blockHashAt(node.rpcUrl, h);
      if (hash === null)
        throw new InvariantError(`${node.name} reports height ${height} but has no block ${h}`);
      const known = this.hashes.get(h);
      if (known === undefined) this.hashes.set(h, hash);
      else if (known !== hash)
        throw new InvariantError(`fork at height ${h}: ${node.name} has ${hash}, another node had ${known}`);
    }
    this.checkedUpTo.set(node.name, Math.max(height, this.checkedUpTo.get(node.name) ?? 0));
    this.checks++;
    return height;
  }

  /** Called before a node goes down (its height then is a lower bound of what it committed). */
  async noteGoingDown(node: Probe): Promise<void> {
    const height = await heightOf(node.rpcUrl).catch(() => this.checkedUpTo.get(node.name) ?? 0);
    this.before.set(node.name, Math.max(height, this.before.get(node.name) ?? 0));
  }

  /** A node that must keep a height it is known to have written (the crash-mid-commit hook's block). */
  noteWritten(name: string, height: number): void {
    this.before.set(name, Math.max(height, this.before.get(name) ?? 0));
  }

  /** A node whose data was deleted on purpose: it has nothing to keep, and is compared again from height 1. */
  forget(name: string): void {
    this.before.delete(name);
    this.checkedUpTo.delete(name);
  }

  /** Right after a restart, before it syncs anything: what it had is still there, with the same hashes. */
  async checkDurability(node: Probe): Promise<void> {
    const had = this.before.get(node.name);
    if (had === undefined || had === 0) return;
    const height = await heightOf(node.rpcUrl);
    if (height < had)
      throw new InvariantError(
        `${node.name} lost committed blocks: it had ${had}, after the restart ${height}`,
      );
    const hash = await blockHashAt(node.rpcUrl, had);
    const known = this.hashes.get(had);
    if (known !== undefined && hash !== known)
      throw new InvariantError(`${node.name}'s block ${had} changed across the restart: ${known} -> ${hash}`);
    this.before.delete(node.name);
    this.checks++;
  }
}

/** No validator but the exempt signed two different votes for one (height, round, type). */
export function checkVotes(observer: VoteObserver, exempt: ReadonlySet<string>): void {
  const conflicts = observer.conflicts(exempt);
  if (conflicts.length > 0) {
    const c = conflicts[0];
    throw new InvariantError(
      `double sign: ${c?.validator} voted ${c?.blockHashes.join(" and ")} at height ${c?.height} round ${c?.round} type ${c?.type}` +
        (conflicts.length > 1 ? ` (and ${conflicts.length - 1} more)` : ""),
    );
  }
}
