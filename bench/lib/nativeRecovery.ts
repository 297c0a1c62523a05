import secp256k1 from "secp256k1";
import type { SignerRecovery } from "../../node/app/index.ts";
import { hexToBytes, publicKeyToAddress } from "../../node/crypto/index.ts";

/** Sender recovery with the native addon, for the decoding that sets a measurement up (not what it measures). */
export const nativeRecovery: SignerRecovery = (digest, signature) => {
  const sig = hexToBytes(signature, 65);
  const pub = secp256k1.ecdsaRecover(sig.subarray(0, 64), (sig[64] ?? 27) - 27, digest, false);
  return publicKeyToAddress(pub);
};
