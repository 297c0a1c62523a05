import { secp256k1 } from "@noble/curves/secp256k1.js";
import { errorMessage } from "../util/errors.ts";
import { bytesToHex, concatBytes, type Hex, hexToBytes } from "./bytes.ts";
import { CryptoError } from "./errors.ts";
import { type Address, privateKeyBytes, publicKeyToAddress } from "./keys.ts";

/** 65 bytes r || s || v with v in {27, 28}: the layout Ethereum's ecrecover and ethers use. */
export type SignatureHex = Hex;

const HALF_ORDER = secp256k1.Point.CURVE().n >> 1n;

/** Signs a 32-byte digest as is (no pre-hashing); noble produces low-s signatures. */
export function signDigest(digest: Uint8Array, privateKey: Hex): SignatureHex {
  if (digest.length !== 32) throw new CryptoError(`digest must be 32 bytes, got ${digest.length}`);
  const recovered = secp256k1.sign(digest, privateKeyBytes(privateKey), {
    prehash: false,
    format: "recovered",
  });
  const recovery = recovered[0] ?? 0;
  return bytesToHex(concatBytes(recovered.subarray(1), Uint8Array.of(27 + recovery)));
}

/**
 * Recovers the signer of a digest. Rejects wrong lengths, v outside {27, 28} and high-s, so that every
 * signature has exactly one accepted encoding (the same rules CheckpointManager enforces on L1).
 */
export function recoverSigner(digest: Uint8Array, signature: SignatureHex): Address {
  if (digest.length !== 32) throw new CryptoError(`digest must be 32 bytes, got ${digest.length}`);
  const sig = hexToBytes(signature, 65);
  const v = sig[64] ?? 0;
  if (v !== 27 && v !== 28) throw new CryptoError(`signature v must be 27 or 28, got ${v}`);
  const compact = sig.subarray(0, 64);
  let parsed: ReturnType<typeof secp256k1.Signature.fromBytes>;
  try {
    parsed = secp256k1.Signature.fromBytes(compact, "compact");
  } catch (err) {
    throw new CryptoError(`malformed signature: ${errorMessage(err)}`);
  }
  if (parsed.s > HALF_ORDER) throw new CryptoError("signature has high s (malleable form)");
  try {
    const point = parsed.addRecoveryBit(v - 27).recoverPublicKey(digest);
    return publicKeyToAddress(point.toBytes(false));
  } catch (err) {
    throw new CryptoError(`signature does not recover: ${errorMessage(err)}`);
  }
}
