import type { Block, Commit } from "../types/index.ts";
import { errorMessage } from "../util/errors.ts";
import { decodeSyncItem } from "./wire.ts";

export interface SyncPorts {
  /** Connected peers to ask, by id. */
  peers(): string[];
  requestBlocks(peer: string, fromHeight: number, count: number): Promise<Uint8Array[]>;
  /** Verifies the commit against the validator set, validates and commits the block; throws if it is bad. */
  apply(block: Block, commit: Commit): Promise<void>;
  height(): number;
  /** A peer that served a bad block or frame: the node lowers its score or disconnects it. */
  penalise(peer: string, reason: string): void;
  progress(event: SyncProgress): void;
}

export interface SyncProgress {
  height: number;
  applied: number;
  peer: string;
  blocksPerSecond: number;
}

export interface SyncResult {
  applied: number;
  height: number;
}

const BATCH = 64;

/**
 * Fetches and applies blocks from peers until none of them has anything beyond our head. Each block is applied
 * only with a commit that verifies against the set we hold for its height, so a peer can waste our time but
 * never make us accept a block the validators did not decide.
 */
export async function syncFromPeers(ports: SyncPorts, clock: () => number): Promise<SyncResult> {
  let applied = 0;
  const started = clock();
  let progressed = true;
  while (progressed) {
    progressed = false;
    for (const peer of ports.peers()) {
      let items: Uint8Array[];
      const from = ports.height() + 1;
      try {
        items = await ports.requestBlocks(peer, from, BATCH);
      } catch {
        continue;
      }
      for (const item of items) {
        try {
          const { block, commit } = decodeSyncItem(item);
          if (block.header.height !== ports.height() + 1)
            throw new Error(`out-of-order block ${block.header.height}`);
          await ports.apply(block, commit);
        } catch (err) {
          ports.penalise(peer, errorMessage(err));
          break;
        }
        applied++;
        progressed = true;
      }
      if (items.length > 0) {
        const seconds = Math.max(0.001, (clock() - started) / 1000);
        ports.progress({
          height: ports.height(),
          applied,
          peer,
          blocksPerSecond: Math.round(applied / seconds),
        });
      }
    }
  }
  return { applied, height: ports.height() };
}
