import { type TypedDataDomain, TypedDataEncoder } from "ethers/hash";
import { type Address, CryptoError, type Hex, hexToBytes, recoverSigner } from "../crypto/index.ts";
import type { TokenInfo } from "./state.ts";
import { tokenError } from "./tokenErrors.ts";

/**
 * EIP-2612 permit of the system tokens, as OpenZeppelin 5's ERC20Permit signs and checks it. The digest goes
 * through ethers' TypedDataEncoder rather than a hand-rolled keccak encoding: it is the encoder wallets sign
 * with (Wallet.signTypedData), and the checkpoint signatures already rely on it.
 */

/** The version OpenZeppelin's ERC20Permit gives its EIP712 constructor. */
export const PERMIT_DOMAIN_VERSION = "1";

export const PERMIT_TYPES = {
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

/** EIP-5267's field bitmap: name, version, chainId and verifyingContract are set; salt and extensions are not. */
const DOMAIN_FIELDS: Hex = "0x0f";
const ZERO_SALT: Hex = `0x${"00".repeat(32)}`;

const CURVE_HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

export function permitDomain(token: TokenInfo, chainId: bigint): TypedDataDomain {
  return { name: token.name, version: PERMIT_DOMAIN_VERSION, chainId, verifyingContract: token.address };
}

export function domainSeparator(token: TokenInfo, chainId: bigint): Hex {
  return TypedDataEncoder.hashDomain(permitDomain(token, chainId)).toLowerCase() as Hex;
}

/** eip712Domain()'s return values, in the ABI's order. */
export function eip712DomainFields(token: TokenInfo, chainId: bigint): unknown[] {
  return [DOMAIN_FIELDS, token.name, PERMIT_DOMAIN_VERSION, chainId, token.address, ZERO_SALT, []];
}

export interface PermitMessage {
  owner: Address;
  spender: Address;
  value: bigint;
  nonce: bigint;
  deadline: bigint;
}

export function permitDigest(token: TokenInfo, chainId: bigint, message: PermitMessage): Uint8Array {
  return hexToBytes(
    TypedDataEncoder.hash(permitDomain(token, chainId), PERMIT_TYPES, { ...message }) as Hex,
    32,
  );
}

/**
 * The signer of a digest under OpenZeppelin's ECDSA.recover rules: a high s reverts with ECDSAInvalidSignatureS,
 * anything ecrecover cannot recover (v other than 27 or 28, r or s out of range) with ECDSAInvalidSignature.
 */
export function permitSigner(digest: Uint8Array, v: bigint, r: Hex, s: Hex): Address {
  if (BigInt(s) > CURVE_HALF_ORDER) throw tokenError("ECDSAInvalidSignatureS", s);
  if (v !== 27n && v !== 28n) throw tokenError("ECDSAInvalidSignature");
  try {
    return recoverSigner(digest, `0x${r.slice(2)}${s.slice(2)}${v.toString(16)}` as Hex);
  } catch (err) {
    if (err instanceof CryptoError) throw tokenError("ECDSAInvalidSignature");
    throw err;
  }
}
