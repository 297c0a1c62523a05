import { errorMessage } from "../util/errors.ts";
import { loadNativeSecp256k1 } from "./nativeSecp256k1.ts";
import { nobleSecp256k1 } from "./nobleSecp256k1.ts";

/**
 * The secp256k1 operations the node needs. Callers range-check signatures first (node/crypto/signature.ts), so
 * every backend sees, and accepts, the same set of inputs.
 */
export interface Secp256k1Backend {
  readonly name: "native" | "noble";
  /** What runs the curve arithmetic, for the start-up log and the bench. */
  readonly description: string;
  /** The signer's 65-byte uncompressed public key; throws when no key recovers. */
  recoverPublicKey(digest: Uint8Array, compact: Uint8Array, recoveryId: number): Uint8Array;
  /** Deterministic (RFC 6979), low-s signature of a 32-byte digest as is (no pre-hashing). */
  sign(digest: Uint8Array, privateKey: Uint8Array): { compact: Uint8Array; recoveryId: number };
}

/** The native backend when its addon loads, noble otherwise; `loadNative` is injectable for tests. */
export function selectSecp256k1Backend(
  loadNative: () => Secp256k1Backend = loadNativeSecp256k1,
): Secp256k1Backend {
  try {
    return loadNative();
  } catch (err) {
    return {
      ...nobleSecp256k1,
      description: `${nobleSecp256k1.description}; the native addon did not load: ${errorMessage(err)}`,
    };
  }
}

/** The backend every signature of the node goes through. */
export const secp256k1Backend: Secp256k1Backend = selectSecp256k1Backend();
