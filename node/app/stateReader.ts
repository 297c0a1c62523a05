/**
 * The node's stored state as the app reads it, keys being the app's state keys (stateCodec.ts); node/storage
 * implements it over classic-level. The async reads are what an EVM state manager will sit on; the synchronous
 * one serves a cache miss during execution, which stays synchronous.
 */
export interface StateReader {
  /** One key, now (classic-level's getSync); null if absent. */
  getSync(key: Uint8Array): Uint8Array | null;
  /** Many keys at once, read off the event loop; null for each absent one. */
  getMany(keys: readonly Uint8Array[]): Promise<(Uint8Array | null)[]>;
  /** Every entry whose key starts with `prefix`, in key order. */
  entries(prefix: Uint8Array): AsyncIterable<readonly [Uint8Array, Uint8Array]>;
}
