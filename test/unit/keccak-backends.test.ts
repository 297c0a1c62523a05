import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { keccak_256 } from "@noble/hashes/sha3.js";
import fc from "fast-check";
import {
  bytesToHex,
  hexToBytes,
  keccak256,
  keccak256Backend,
  keccak256Hex,
  selectKeccak256Backend,
} from "../../node/crypto/index.ts";
import { loadNativeKeccak256 } from "../../node/crypto/nativeKeccak.ts";

describe("Keccak-256 backends", () => {
  it("the node hashes with the native addon on this platform (the prebuilt binary loads)", () => {
    assert.equal(keccak256Backend.name, "native", keccak256Backend.description);
  });

  it("native and noble agree on known vectors and on random inputs around the sponge's rate, hash after hash on one sponge", () => {
    const native = loadNativeKeccak256();
    assert.equal(
      bytesToHex(native(new Uint8Array(0))),
      "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470",
    );
    assert.equal(
      keccak256Hex(new TextEncoder().encode("abc")),
      "0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45",
    );
    // 136 bytes is one block of the rate: the padding lands in a new block at and around it.
    const lengths = fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 134, max: 138 }));
    fc.assert(
      fc.property(
        lengths.chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
        fc.nat(7),
        (data, offset) => {
          // A view into a larger buffer: the addon must hash the view, not its whole backing store.
          const backing = new Uint8Array(data.length + 16).fill(0xee);
          backing.set(data, offset);
          const view = backing.subarray(offset, offset + data.length);
          assert.deepEqual(native(view), keccak_256(data));
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it("answers plain Uint8Arrays, each its own (no shared output buffer)", () => {
    const a = keccak256(hexToBytes("0x01"));
    const b = keccak256(hexToBytes("0x02"));
    assert.equal(Object.getPrototypeOf(a), Uint8Array.prototype);
    assert.notDeepEqual(a, b);
    assert.deepEqual(a, keccak_256(hexToBytes("0x01")));
  });

  it("falls back to noble, and says why, when the addon does not load", () => {
    const fallback = selectKeccak256Backend(() => {
      throw new Error("no prebuilt binary for this platform");
    });
    assert.equal(fallback.name, "noble");
    assert.match(fallback.description, /did not load: no prebuilt binary for this platform/);
    assert.deepEqual(fallback.hash(hexToBytes("0xff")), keccak_256(hexToBytes("0xff")));
  });
});
