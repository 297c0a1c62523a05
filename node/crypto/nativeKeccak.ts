import { createRequire } from "node:module";
import { dirname } from "node:path";

/** The `keccak` package's N-API addon: one sponge per hash. */
interface KeccakState {
  initialize(rate: number, capacity: number): void;
  absorb(data: Buffer): void;
  absorbLastFewBits(bits: number): void;
  squeeze(length: number): Buffer;
}

/** Keccak-256: rate 1088 bits, capacity 512, Ethereum's original padding (0x01, not SHA-3's 0x06). */
const RATE = 1088;
const CAPACITY = 512;
const PADDING = 0x01;

/**
 * XKCP's Keccak through the `keccak` package's prebuilt N-API binary (as for secp256k1: no compiler or install step
 * on linux-x64). The addon's sponge is used directly: the package's own entry wraps each hash in a Node stream,
 * which costs more than the hash, and silently falls back to pure JS when the addon is missing, where this throws.
 */
export function loadNativeKeccak256(): (data: Uint8Array) => Uint8Array {
  const require = createRequire(import.meta.url);
  const load = require("node-gyp-build") as (dir: string) => unknown;
  const Sponge = load(dirname(require.resolve("keccak/package.json"))) as new () => KeccakState;
  if (typeof Sponge !== "function") throw new Error("the keccak addon did not load");
  // One sponge, initialised afresh for each hash: constructing the addon's object per hash cost as much as the
  // hash itself (about 3 of 6.5 µs for a 110-byte transaction here). A hash runs to its end synchronously.
  const sponge = new Sponge();
  return (data) => {
    sponge.initialize(RATE, CAPACITY);
    sponge.absorb(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    sponge.absorbLastFewBits(PADDING);
    const digest = sponge.squeeze(32);
    // A plain Uint8Array view: callers compare digests structurally, and a Buffer is not one.
    return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
  };
}
