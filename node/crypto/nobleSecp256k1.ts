import { secp256k1 } from "@noble/curves/secp256k1.js";
import type { Secp256k1Backend } from "./secp256k1Backend.ts";

/** Pure JS: runs everywhere, ~20x slower than the native addon. */
export const nobleSecp256k1: Secp256k1Backend = {
  name: "noble",
  description: "@noble/curves (pure JS)",
  recoverPublicKey(digest, compact, recoveryId) {
    return secp256k1.Signature.fromBytes(compact, "compact")
      .addRecoveryBit(recoveryId)
      .recoverPublicKey(digest)
      .toBytes(false);
  },
  sign(digest, privateKey) {
    // noble's defaults are RFC 6979 without extra entropy and low s, as libsecp256k1's.
    const recovered = secp256k1.sign(digest, privateKey, { prehash: false, format: "recovered" });
    return { compact: recovered.subarray(1), recoveryId: recovered[0] ?? 0 };
  },
};
