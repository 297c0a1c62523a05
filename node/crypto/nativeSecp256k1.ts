import { createRequire } from "node:module";
import type * as Secp256k1Addon from "secp256k1";
import type { Secp256k1Backend } from "./secp256k1Backend.ts";

/**
 * libsecp256k1 through the `secp256k1` package, chosen because it ships a prebuilt N-API binary (no compiler
 * or install step on linux-x64). `secp256k1/bindings` is loaded rather than the package's main entry, which
 * silently falls back to elliptic (pure JS): here a missing addon throws, and the caller picks noble instead.
 */
export function loadNativeSecp256k1(): Secp256k1Backend {
  const addon = createRequire(import.meta.url)("secp256k1/bindings") as typeof Secp256k1Addon;
  return {
    name: "native",
    description: "libsecp256k1 (secp256k1 package, N-API addon)",
    recoverPublicKey(digest, compact, recoveryId) {
      return addon.ecdsaRecover(compact, recoveryId, digest, false);
    },
    sign(digest, privateKey) {
      // libsecp256k1 signs with RFC 6979 nonces and normalises to low s.
      const { signature, recid } = addon.ecdsaSign(digest, privateKey);
      return { compact: signature, recoveryId: recid };
    },
  };
}
