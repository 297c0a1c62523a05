import {
  type Address,
  bytesToHex,
  type Hex,
  keccak256,
  keccak256Hex,
  recoverSigner,
} from "../crypto/index.ts";
import { MAX_TX_BYTES } from "../types/index.ts";
import { AppError } from "./errors.ts";
import { MAX_INITCODE_SIZE, minimumGasLimit } from "./evm/intrinsicGas.ts";
import { readWireTx, signingPayload, type WireSignature, type WireTx } from "./txWire.ts";

/** A signed transaction that passed every check that needs no state. */
export interface AppTx {
  /** keccak256 of the raw bytes (what ethers and wallets compute). */
  hash: Hex;
  raw: Uint8Array;
  type: 0 | 2;
  chainId: bigint;
  from: Address;
  /** Null for a contract creation (its data is the initcode). */
  to: Address | null;
  nonce: bigint;
  value: bigint;
  data: Hex;
  gasLimit: bigint;
  /** Legacy only; null for type 2. */
  gasPrice: bigint | null;
  /** For legacy transactions both fee fields equal gasPrice, so fee logic has one shape. */
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  /** EIP-2930: addresses and storage keys paid for up front and warm from the start; empty for legacy. */
  accessList: AccessListEntry[];
}

export interface AccessListEntry {
  address: Address;
  storageKeys: Hex[];
}

/** Recovers the address that signed a 32-byte digest; throws when the signature does not recover. */
export type SignerRecovery = (digest: Uint8Array, signature: Hex) => Address;

export interface TxRules {
  chainId: bigint;
  /** The base fee's floor (the genesis minGasPrice): no block's base fee is lower, so no fee cap below it can ever be included. */
  baseFee: bigint;
}

/** secp256k1 order / 2: a larger s is the malleable twin of a valid signature (EIP-2). */
const HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

const SUPPORTED_TYPED = 0x02;
const LEGACY_MIN_PREFIX = 0xc0;

/**
 * Decodes and checks a raw signed transaction: size, encoding, type (legacy with EIP-155, or 1559), chain id,
 * signature (low s only), initcode size, the gas limit's intrinsic minimum and the fee fields. `hash` is
 * keccak256(raw) when the caller computed it already.
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
  if (first < LEGACY_MIN_PREFIX && first !== SUPPORTED_TYPED) {
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
  if (tx.type === 0 && tx.chainId === 0n) {
    throw new AppError("tx-unprotected", "only replay-protected (EIP-155) transactions allowed");
  }
  if (tx.chainId !== rules.chainId) {
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
  const minGas = minimumGasLimit({ to, data: tx.data, accessList });
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
  };
}

/**
 * Recovers through node/crypto (libsecp256k1 when its addon loads), which checks r and s again: r or s zero,
 * or r not below the curve order, does not recover.
 */
function recoverSender(tx: WireTx, signature: WireSignature, recover: SignerRecovery): Address {
  const sig = new Uint8Array(65);
  sig.set(signature.r, 32 - signature.r.length);
  sig.set(signature.s, 64 - signature.s.length);
  sig[64] = 27 + signature.yParity;
  try {
    return recover(keccak256(signingPayload(tx)), bytesToHex(sig));
  } catch (err) {
    throw new AppError("tx-bad-signature", "invalid sender: signature does not recover", { cause: err });
  }
}

/** Legacy: gasPrice. 1559: min(maxFeePerGas, baseFee + maxPriorityFeePerGas). */
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
