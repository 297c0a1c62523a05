import type { StateReader, StateWrite } from "../../node/app/index.ts";
import { bytesToHex, hexToBytes } from "../../node/crypto/index.ts";

/**
 * The node's state bucket as a fake: a sorted map the test writes a block's stateWrites into (as the chain's
 * batch does), with counters of the reads the app makes, and a gate that holds batched reads back.
 */
export class MemoryStateStore implements StateReader {
  readonly #values = new Map<string, Uint8Array>();
  syncReads = 0;
  batchedReads = 0;
  readonly scannedPrefixes: number[] = [];
  /** While set, getMany reads at once but answers only when the gate resolves. */
  gate: Promise<void> | null = null;

  apply(writes: readonly StateWrite[]): void {
    for (const [key, value] of writes) {
      if (value === null) this.#values.delete(bytesToHex(key));
      else this.#values.set(bytesToHex(key), value);
    }
  }

  get size(): number {
    return this.#values.size;
  }

  getSync(key: Uint8Array): Uint8Array | null {
    this.syncReads++;
    return this.#values.get(bytesToHex(key)) ?? null;
  }

  async getMany(keys: readonly Uint8Array[]): Promise<(Uint8Array | null)[]> {
    this.batchedReads += keys.length;
    const values = keys.map((key) => this.#values.get(bytesToHex(key)) ?? null);
    if (this.gate !== null) await this.gate;
    return values;
  }

  async *entries(prefix: Uint8Array): AsyncIterable<readonly [Uint8Array, Uint8Array]> {
    this.scannedPrefixes.push(prefix[0] ?? -1);
    const start = bytesToHex(prefix);
    const keys = [...this.#values.keys()].filter((k) => k.startsWith(start)).sort();
    for (const key of keys) yield [hexToBytes(key as `0x${string}`), this.#values.get(key) as Uint8Array];
  }
}
