import {
  type Address,
  bytesToHex,
  type Hex,
  hexToBytes,
  keccak256,
  keccak256Hex,
  recoverSigner,
} from "../crypto/index.ts";
import { MAX_TX_BYTES } from "../types/index.ts";
import { AppError } from "./errors.ts";
import { MAX_INITCODE_SIZE, minimumGasLimit } from "./evm/intrinsicGas.ts";
import {
  authorizationPayload,
  readWireTx,
  signingPayload,
  type TxType,
  type WireAuthorization,
  type WireSignature,
  type WireTx,
} from "./txWire.ts";

/** A signed transaction that passed every check that needs no state. */
export interface AppTx {
  /** keccak256 of the raw bytes (what ethers and wallets compute). */
  hash: Hex;
  raw: Uint8Array;
  /** Legacy (0), EIP-2930 (1), EIP-1559 (2) or EIP-7702 (4). */
  type: TxType;
  /** 0 for a legacy transaction signed without EIP-155 (v = 27/28): valid on every chain. */
  chainId: bigint;
  from: Address;
  /** Null for a contract creation (its data is the initcode). */
  to: Address | null;
  nonce: bigint;
  value: bigint;
  data: Hex;
  gasLimit: bigint;
  /** Legacy and type 1; null for types 2 and 4. */
  gasPrice: bigint | null;
  /** For legacy transactions both fee fields equal gasPrice, so fee logic has one shape. */
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  /** EIP-2930: addresses and storage keys paid for up front and warm from the start; empty for legacy. */
  accessList: AccessListEntry[];
  /**
   * EIP-7702: the delegations to set before the call, in order (type 4 only; empty or absent for the others). Their
   * signers are recovered when the transaction executes, after the cheap checks, so admission costs one recovery.
   */
  authorizationList?: AuthorizationTuple[];
}

export interface AccessListEntry {
  address: Address;
  storageKeys: Hex[];
}

/** An EIP-7702 authorization tuple as signed. */
export interface AuthorizationTuple {
  chainId: bigint;
  /** The code to delegate to; the zero address clears the delegation. */
  address: Address;
  nonce: bigint;
  yParity: bigint;
  r: bigint;
  s: bigint;
}

/** Recovers the address that signed a 32-byte digest; throws when the signature does not recover. */
export type SignerRecovery = (digest: Uint8Array, signature: Hex) => Address;

/**
 * Signers recovered ahead (block sync's recovery thread): the signer of this digest and signature, null where it
 * does not recover, undefined where it was not recovered ahead (then it is recovered as usual).
 */
export type RecoveredSigner = (digest: Uint8Array, signature: Hex) => Address | null | undefined;

/** What a sender recovery needs, for recovering it elsewhere: the signing digest and the 65-byte signature. */
export interface SenderSignature {
  digest: Uint8Array;
  signature: Hex;
}

export interface TxRules {
  chainId: bigint;
  /** The base fee's floor (the genesis minGasPrice): no block's base fee is lower, so no fee cap below it can ever be included. */
  baseFee: bigint;
}

/** secp256k1 order / 2: a larger s is the malleable twin of a valid signature (EIP-2). */
const HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;
const CURVE_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

const SUPPORTED_TYPED = new Set([0x01, 0x02, 0x04]);
const BLOB_TX_TYPE = 0x03;
const LEGACY_MIN_PREFIX = 0xc0;

/**
 * Decodes and checks a raw signed transaction: size, encoding, type (legacy with or without EIP-155, 2930, 1559 or
 * 7702), chain id, signature (low s only), initcode size, the gas limit's intrinsic minimum and the fee fields.
 * `hash` is keccak256(raw) when the caller computed it already.
 *
 * A legacy transaction without a chain id is accepted, as Ethereum's consensus accepts it: keyless deployments
 * (Nick's method: the deterministic-deployment proxy, ERC-1820) exist only in that form, and a wallet never signs one.
 *
 * The checks run in the order of the ethers-based decoder this replaced (parse, signature present, low s, tip
 * within the fee cap, canonical encoding, ...), so that an input with several faults keeps the error it had.
 */
export function decodeTransaction(
  raw: Uint8Array,
  rules: TxRules,
  recover: SignerRecovery = recoverSigner,
  hash?: Hex,
): AppTx {
  if (raw.length > MAX_TX_BYTES) {
    throw new AppError(
      "tx-too-large",
      `oversized data: transaction of ${raw.length} bytes, over ${MAX_TX_BYTES}`,
    );
  }
  const first = raw[0];
  if (first === undefined) throw new AppError("tx-malformed", "empty transaction");
  if (first === BLOB_TX_TYPE) {
    throw new AppError(
      "tx-type-not-supported",
      "transaction type not supported: blob transactions (type 3) are not supported, this chain has no blob space",
    );
  }
  if (first < LEGACY_MIN_PREFIX && !SUPPORTED_TYPED.has(first)) {
    throw new AppError("tx-type-not-supported", `transaction type not supported: 0x${first.toString(16)}`);
  }
  const tx = readWireTx(raw);
  const signature = tx.signature;
  if (signature === null) throw new AppError("tx-bad-signature", "invalid sender: transaction is unsigned");
  if (signature.sValue > HALF_ORDER) {
    throw new AppError("tx-bad-signature", "invalid transaction signature: high s");
  }
  if (tx.maxPriorityFeePerGas > tx.maxFeePerGas) {
    throw new AppError(
      "tx-tip-above-fee-cap",
      `max priority fee per gas higher than max fee per gas: ${tx.maxPriorityFeePerGas} > ${tx.maxFeePerGas}`,
    );
  }
  // One transaction must have one encoding (and one hash).
  if (!tx.canonical) throw new AppError("tx-malformed", "malformed transaction: non-canonical encoding");
  const unprotected = tx.type === 0 && tx.chainId === 0n;
  if (!unprotected && tx.chainId !== rules.chainId) {
    throw new AppError("tx-wrong-chain", `invalid chain id: ${tx.chainId}, this chain is ${rules.chainId}`);
  }
  const from = recoverSender(tx, signature, recover);
  const to = tx.to === null ? null : (bytesToHex(tx.to) as Address);
  // geth's wording: EIP-3860 bounds initcode, so a creation's analysis cost is bounded.
  if (to === null && tx.data.length > MAX_INITCODE_SIZE) {
    throw new AppError(
      "tx-initcode-too-large",
      `max initcode size exceeded: code size ${tx.data.length}, limit ${MAX_INITCODE_SIZE}`,
    );
  }
  const accessList = tx.accessList.map((e) => ({
    address: bytesToHex(e.address) as Address,
    storageKeys: e.storageKeys.map((k) => bytesToHex(k)),
  }));
  if (tx.type === 4) checkSetCode(to, tx.authorizationList);
  const authorizationList = tx.authorizationList.map((auth) => ({
    ...auth,
    address: bytesToHex(auth.address) as Address,
  }));
  const minGas = minimumGasLimit({ to, data: tx.data, accessList, authorizations: authorizationList.length });
  if (tx.gasLimit < minGas) {
    throw new AppError("tx-intrinsic-gas", `intrinsic gas too low: gas limit ${tx.gasLimit}, need ${minGas}`);
  }
  if (tx.maxFeePerGas < rules.baseFee) {
    throw new AppError(
      "tx-underpriced",
      `transaction underpriced: fee cap ${tx.maxFeePerGas} below base fee ${rules.baseFee}`,
    );
  }
  return {
    hash: hash ?? keccak256Hex(raw),
    raw,
    type: tx.type,
    chainId: tx.chainId,
    from,
    to,
    nonce: tx.nonce,
    value: tx.value,
    data: bytesToHex(tx.data),
    gasLimit: tx.gasLimit,
    gasPrice: tx.gasPrice,
    maxFeePerGas: tx.maxFeePerGas,
    maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
    accessList,
    authorizationList,
  };
}

/** geth's checks: a set-code transaction delegates something and calls an account, it never creates one. */
function checkSetCode(to: Address | null, authorizations: readonly WireAuthorization[]): void {
  if (to === null) {
    throw new AppError("tx-invalid-set-code", "EIP-7702 transaction cannot be used to create contract");
  }
  if (authorizations.length === 0) {
    throw new AppError("tx-invalid-set-code", "EIP-7702 transaction with empty auth list");
  }
}

/**
 * Who signed the tuple, under EIP-7702's (and geth's) signature rules, or null when its signature is not valid (y
 * parity above 1, r or s out of range, high s, no recovery): such a tuple is skipped like every other invalid one.
 */
export function recoverAuthority(
  auth: AuthorizationTuple,
  recover: SignerRecovery = recoverSigner,
): Address | null {
  const valid =
    auth.yParity <= 1n && auth.r > 0n && auth.r < CURVE_ORDER && auth.s > 0n && auth.s <= HALF_ORDER;
  if (!valid) return null;
  const sig = new Uint8Array(65);
  sig.set(wordOf(auth.r), 0);
  sig.set(wordOf(auth.s), 32);
  sig[64] = 27 + Number(auth.yParity);
  const payload = authorizationPayload({ ...auth, address: hexToBytes(auth.address, 20) });
  try {
    return recover(keccak256(payload), bytesToHex(sig));
  } catch {
    return null;
  }
}

function wordOf(value: bigint): Uint8Array {
  return hexToBytes(`0x${value.toString(16).padStart(64, "0")}`, 32);
}

/**
 * Recovers through node/crypto (libsecp256k1 when its addon loads), which checks r and s again: r or s zero,
 * or r not below the curve order, does not recover.
 */
function recoverSender(tx: WireTx, signature: WireSignature, recover: SignerRecovery): Address {
  const { digest, signature: sig } = senderSignatureOf(tx, signature);
  try {
    return recover(digest, sig);
  } catch (err) {
    throw new AppError("tx-bad-signature", "invalid sender: signature does not recover", { cause: err });
  }
}

function senderSignatureOf(tx: WireTx, signature: WireSignature): SenderSignature {
  const sig = new Uint8Array(65);
  sig.set(signature.r, 32 - signature.r.length);
  sig.set(signature.s, 64 - signature.s.length);
  sig[64] = 27 + signature.yParity;
  return { digest: keccak256(signingPayload(tx)), signature: bytesToHex(sig) };
}

/**
 * The digest and signature decodeTransaction recovers the sender from, or null for bytes that do not parse as a
 * signed transaction (decoding then rejects them with the reason).
 */
export function senderSignature(raw: Uint8Array): SenderSignature | null {
  if (raw.length > MAX_TX_BYTES || raw[0] === BLOB_TX_TYPE) return null;
  try {
    const tx = readWireTx(raw);
    return tx.signature === null ? null : senderSignatureOf(tx, tx.signature);
  } catch {
    return null;
  }
}

/** `recover`, asked only for the signers `recovered` does not hold. */
export function withRecoveredSigners(recovered: RecoveredSigner, recover: SignerRecovery): SignerRecovery {
  return (digest, signature) => {
    const known = recovered(digest, signature);
    if (known === undefined) return recover(digest, signature);
    if (known === null) throw new AppError("tx-bad-signature", "invalid sender: signature does not recover");
    return known;
  };
}

/** Legacy and 2930: gasPrice. 1559 and 7702: min(maxFeePerGas, baseFee + maxPriorityFeePerGas). */
export function effectiveGasPrice(tx: AppTx, baseFee: bigint): bigint {
  if (tx.gasPrice !== null) return tx.gasPrice;
  const withTip = baseFee + tx.maxPriorityFeePerGas;
  if (withTip < tx.maxFeePerGas) return withTip;
  return tx.maxFeePerGas;
}

/** What the sender must hold before execution, as Ethereum requires: value + gasLimit * fee cap. */
export function upfrontCost(tx: AppTx): bigint {
  return tx.value + tx.gasLimit * tx.maxFeePerGas;
}
