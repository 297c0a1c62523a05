import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { describe, it } from "node:test";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import fc from "fast-check";
import {
  type Address,
  bytesToHex,
  CryptoError,
  type Hex,
  hexToBytes,
  keccak256,
  privateKeyToAddress,
  type Secp256k1Backend,
  secp256k1Backend,
  selectSecp256k1Backend,
} from "../../node/crypto/index.ts";
import { loadNativeSecp256k1 } from "../../node/crypto/nativeSecp256k1.ts";
import { nobleSecp256k1 } from "../../node/crypto/nobleSecp256k1.ts";
import { recoverSignerWith, signDigestWith } from "../../node/crypto/signature.ts";
import { errorMessage } from "../../node/util/errors.ts";

const N = secp256k1.Point.CURVE().n;
const HALF = N >> 1n;

function loadNative(): { backend: Secp256k1Backend | null; error: string } {
  try {
    return { backend: loadNativeSecp256k1(), error: "" };
  } catch (err) {
    return { backend: null, error: errorMessage(err) };
  }
}
const loaded = loadNative();
const native = loaded.backend as Secp256k1Backend;
const skip = loaded.backend === null ? `native addon unavailable here: ${loaded.error}` : false;

const word = (value: bigint): string => value.toString(16).padStart(64, "0");
const signatureOf = (r: bigint, s: bigint, v: number): Hex =>
  `0x${word(r)}${word(s)}${v.toString(16).padStart(2, "0")}`;

/** What recoverSigner answers: the address, or the fact it threw a CryptoError (anything else fails). */
function outcome(backend: Secp256k1Backend, digest: Uint8Array, signature: Hex): Address | "rejected" {
  try {
    return recoverSignerWith(backend, digest, signature);
  } catch (err) {
    assert.ok(err instanceof CryptoError, `${backend.name} threw ${errorMessage(err)}`);
    return "rejected";
  }
}

const privateKeyArb = fc.bigInt({ min: 1n, max: N - 1n }).map((k): Hex => `0x${word(k)}`);
const digestArb = fc.oneof(
  fc.uint8Array({ minLength: 32, maxLength: 32 }),
  // Digests at or above n are reduced mod n by both.
  fc.constantFrom(new Uint8Array(32), new Uint8Array(32).fill(0xff), hexToBytes(`0x${word(N)}`)),
);
const scalarArb = fc.oneof(
  fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
  fc.bigInt({ min: 1n, max: HALF }),
  fc.constantFrom(0n, 1n, HALF, HALF + 1n, N - 1n, N, N + 1n, 2n ** 256n - 1n),
);
const vArb = fc.oneof(fc.constantFrom(27, 28), fc.constantFrom(0, 1, 26, 29, 255), fc.nat({ max: 255 }));

describe("secp256k1 backends", { skip }, () => {
  it("loads the addon itself, not the package's elliptic fallback", () => {
    assert.equal(native.name, "native");
    const cached = Object.keys(createRequire(import.meta.url).cache);
    assert.ok(
      cached.some((path) => path.includes("secp256k1") && path.endsWith(".node")),
      "no secp256k1 .node binary was loaded",
    );
  });

  it("is the backend the node uses when the addon loads", () => {
    assert.equal(secp256k1Backend.name, "native");
  });

  it("sign identically and both recover the signer, whichever signed", () => {
    fc.assert(
      fc.property(privateKeyArb, digestArb, (key, digest) => {
        const fromNative = signDigestWith(native, digest, key);
        const fromNoble = signDigestWith(nobleSecp256k1, digest, key);
        assert.equal(fromNative, fromNoble);
        const address = privateKeyToAddress(key);
        assert.equal(recoverSignerWith(native, digest, fromNative), address);
        assert.equal(recoverSignerWith(nobleSecp256k1, digest, fromNative), address);
      }),
      { numRuns: 150 },
    );
  });

  it("agree on arbitrary signatures: both reject, or both recover the same address", () => {
    let accepted = 0;
    let rejected = 0;
    fc.assert(
      fc.property(digestArb, scalarArb, scalarArb, vArb, (digest, r, s, v) => {
        const signature = signatureOf(r, s, v);
        const answer = outcome(native, digest, signature);
        assert.equal(outcome(nobleSecp256k1, digest, signature), answer);
        if (answer === "rejected") rejected++;
        else accepted++;
      }),
      { numRuns: 600 },
    );
    // Both kinds of answer were compared, not only rejections.
    assert.ok(accepted > 20 && rejected > 20, `accepted ${accepted}, rejected ${rejected}`);
  });

  it("agree on random 65-byte signatures", () => {
    fc.assert(
      fc.property(
        digestArb,
        fc.uint8Array({ minLength: 65, maxLength: 65 }),
        fc.boolean(),
        (digest, bytes, validV) => {
          if (validV) bytes[64] = 27 + ((bytes[64] ?? 0) & 1);
          const signature = bytesToHex(bytes);
          assert.equal(outcome(nobleSecp256k1, digest, signature), outcome(native, digest, signature));
        },
      ),
      { numRuns: 400 },
    );
  });

  it("both reject high s, r or s of 0 or >= n, bad v and wrong lengths", () => {
    const key: Hex = `0x${"11".repeat(32)}`;
    const digest = keccak256(Uint8Array.of(7));
    const good = signDigestWith(native, digest, key);
    const r = BigInt(`0x${good.slice(2, 66)}`);
    const s = BigInt(`0x${good.slice(66, 130)}`);
    const v = Number.parseInt(good.slice(130), 16);
    const bad: Hex[] = [
      signatureOf(r, N - s, v === 27 ? 28 : 27),
      signatureOf(0n, s, v),
      signatureOf(r, 0n, v),
      signatureOf(N, s, v),
      signatureOf(r + N < 2n ** 256n ? r + N : N + 1n, s, v),
      signatureOf(r, s + N, v),
      signatureOf(r, s, v - 27),
      signatureOf(r, s, 29),
      good.slice(0, 128) as Hex,
      `${good}00`,
      "0x",
    ];
    for (const backend of [native, nobleSecp256k1]) {
      assert.equal(outcome(backend, digest, good), privateKeyToAddress(key));
      for (const signature of bad) assert.equal(outcome(backend, digest, signature), "rejected", signature);
      for (const length of [0, 31, 33, 64]) {
        assert.equal(outcome(backend, new Uint8Array(length), good), "rejected");
      }
    }
  });

  it("recover the same key from any in-range compact signature, high s included", () => {
    fc.assert(
      fc.property(
        digestArb,
        fc.bigInt({ min: 1n, max: N - 1n }),
        fc.bigInt({ min: 1n, max: N - 1n }),
        fc.constantFrom(0, 1),
        (digest, r, s, recoveryId) => {
          const compact = hexToBytes(`0x${word(r)}${word(s)}`);
          const recover = (backend: Secp256k1Backend): Hex | "throws" => {
            try {
              return bytesToHex(backend.recoverPublicKey(digest, compact, recoveryId));
            } catch {
              return "throws";
            }
          };
          assert.equal(recover(nobleSecp256k1), recover(native));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("secp256k1 backend selection", () => {
  it("falls back to noble, saying why, when the native loader throws", () => {
    const chosen = selectSecp256k1Backend(() => {
      throw new Error("no prebuilt binary for this platform");
    });
    assert.equal(chosen.name, "noble");
    assert.match(chosen.description, /no prebuilt binary for this platform/);
    const key: Hex = `0x${"22".repeat(32)}`;
    const digest = keccak256(Uint8Array.of(1));
    assert.equal(
      recoverSignerWith(chosen, digest, signDigestWith(chosen, digest, key)),
      privateKeyToAddress(key),
    );
  });

  it("takes what the native loader returns when it loads", () => {
    const fake: Secp256k1Backend = { ...nobleSecp256k1, name: "native", description: "fake addon" };
    assert.equal(
      selectSecp256k1Backend(() => fake),
      fake,
    );
  });

  it("names the backend in use: native exactly when the addon loads", () => {
    assert.equal(secp256k1Backend.name, loaded.backend === null ? "noble" : "native");
  });
});
