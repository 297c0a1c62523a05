import { secp256k1 } from "@noble/curves/secp256k1.js";
import { bytesToHex, type Hex, hexToBytes } from "./bytes.ts";
import { CryptoError } from "./errors.ts";
import { keccak256 } from "./hash.ts";

/** A validator or account identity: a lowercase 0x-prefixed 20-byte address. */
export type Address = Hex;

export function generatePrivateKey(): Hex {
  return bytesToHex(secp256k1.utils.randomSecretKey());
}

export function privateKeyBytes(privateKey: Hex): Uint8Array {
  const bytes = hexToBytes(privateKey, 32);
  if (!secp256k1.utils.isValidSecretKey(bytes))
    throw new CryptoError("private key is out of the curve's range");
  return bytes;
}

/** Ethereum address of an uncompressed (65-byte) or compressed (33-byte) public key. */
export function publicKeyToAddress(publicKey: Uint8Array): Address {
  const uncompressed = secp256k1.Point.fromBytes(publicKey).toBytes(false);
  return bytesToHex(keccak256(uncompressed.subarray(1)).subarray(12));
}

export function privateKeyToAddress(privateKey: Hex): Address {
  return publicKeyToAddress(secp256k1.getPublicKey(privateKeyBytes(privateKey), false));
}

export function isAddress(value: unknown): value is Address {
  return typeof value === "string" && /^0x[0-9a-f]{40}$/.test(value);
}

/** Accepts any-case hex and returns the canonical lowercase form, or throws. */
export function toAddress(value: string): Address {
  const lower = value.toLowerCase();
  if (!isAddress(lower)) throw new CryptoError(`not an address: ${JSON.stringify(value).slice(0, 60)}`);
  return lower;
}
