import { secp256k1 } from "@noble/curves/secp256k1.js";
import { errorMessage } from "../util/errors.ts";
import { bytesToHex, concatBytes, type Hex, hexToBytes } from "./bytes.ts";
import { CryptoError } from "./errors.ts";
import { keccak256 } from "./hash.ts";
import { type Address, privateKeyBytes } from "./keys.ts";
import { type Secp256k1Backend, secp256k1Backend } from "./secp256k1Backend.ts";

/** 65 bytes r || s || v with v in {27, 28}: the layout Ethereum's ecrecover and ethers use. */
export type SignatureHex = Hex;

const CURVE_ORDER = secp256k1.Point.CURVE().n;
const HALF_ORDER = CURVE_ORDER >> 1n;

/** Signs a 32-byte digest as is (no pre-hashing); both backends produce the same low-s RFC 6979 signature. */
export function signDigest(digest: Uint8Array, privateKey: Hex): SignatureHex {
  return signDigestWith(secp256k1Backend, digest, privateKey);
}

/**
 * Recovers the signer of a digest. Rejects wrong lengths, v outside {27, 28} and high-s, so that every
 * signature has exactly one accepted encoding (the same rules CheckpointManager enforces on L1).
 */
export function recoverSigner(digest: Uint8Array, signature: SignatureHex): Address {
  return recoverSignerWith(secp256k1Backend, digest, signature);
}

/** signDigest with a given backend (the bench and the backends' agreement tests). */
export function signDigestWith(backend: Secp256k1Backend, digest: Uint8Array, privateKey: Hex): SignatureHex {
  if (digest.length !== 32) throw new CryptoError(`digest must be 32 bytes, got ${digest.length}`);
  const key = privateKeyBytes(privateKey);
  let signed: ReturnType<Secp256k1Backend["sign"]>;
  try {
    signed = backend.sign(reducedModOrder(digest), key);
  } catch (err) {
    throw new CryptoError(`signing failed: ${errorMessage(err)}`);
  }
  return bytesToHex(concatBytes(signed.compact, Uint8Array.of(27 + signed.recoveryId)));
}

/**
 * The digest mod n. ECDSA signs e = digest mod n either way, but the libsecp256k1 bundled by the addon derives
 * its RFC 6979 nonce from the unreduced digest (the RFC reduces first, as noble does): for a digest >= n (never a
 * keccak output in practice) the backends would otherwise sign differently.
 */
function reducedModOrder(digest: Uint8Array): Uint8Array {
  const e = BigInt(bytesToHex(digest));
  return e < CURVE_ORDER ? digest : hexToBytes(`0x${(e - CURVE_ORDER).toString(16).padStart(64, "0")}`, 32);
}

/**
 * recoverSigner with a given backend. Every rule is checked here, before the backend runs, so that the native
 * and the JS backend accept exactly the same signatures (libsecp256k1 alone would take a high s).
 */
export function recoverSignerWith(
  backend: Secp256k1Backend,
  digest: Uint8Array,
  signature: SignatureHex,
): Address {
  if (digest.length !== 32) throw new CryptoError(`digest must be 32 bytes, got ${digest.length}`);
  const sig = hexToBytes(signature, 65);
  const v = sig[64] ?? 0;
  if (v !== 27 && v !== 28) throw new CryptoError(`signature v must be 27 or 28, got ${v}`);
  const r = BigInt(`0x${signature.slice(2, 66)}`);
  const s = BigInt(`0x${signature.slice(66, 130)}`);
  if (r === 0n || r >= CURVE_ORDER) throw new CryptoError("malformed signature: r is not in [1, n-1]");
  if (s === 0n || s >= CURVE_ORDER) throw new CryptoError("malformed signature: s is not in [1, n-1]");
  if (s > HALF_ORDER) throw new CryptoError("signature has high s (malleable form)");
  let publicKey: Uint8Array;
  try {
    publicKey = backend.recoverPublicKey(digest, sig.subarray(0, 64), v - 27);
  } catch (err) {
    throw new CryptoError(`signature does not recover: ${errorMessage(err)}`);
  }
  return bytesToHex(keccak256(publicKey.subarray(1)).subarray(12));
}
