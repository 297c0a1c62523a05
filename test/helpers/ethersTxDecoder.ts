import { getBytes, type Signature, Transaction } from "ethers";
import {
  AppError,
  type AppTx,
  type AuthorizationTuple,
  MAX_INITCODE_SIZE,
  minimumGasLimit,
  type SignerRecovery,
  type TxRules,
} from "../../node/app/index.ts";
import {
  type Address,
  bytesToHex,
  concatBytes,
  type Hex,
  hexToBytes,
  keccak256Hex,
  recoverSigner,
} from "../../node/crypto/index.ts";
import { MAX_TX_BYTES } from "../../node/types/index.ts";
import { errorMessage } from "../../node/util/errors.ts";

/** secp256k1 order / 2: a larger s is the malleable twin of a valid signature (EIP-2). */
const HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

const SUPPORTED_TYPED = new Set([0x01, 0x02, 0x04]);
const LEGACY_MIN_PREFIX = 0xc0;

/**
 * The decoder node/app used before its own RLP reader, on ethers' Transaction.from + serialized + unsignedHash:
 * kept as the reference that the property tests hold decodeTransaction to (same AppError code for every input,
 * same AppTx for every accepted one) and as the "before" of bench/decode.ts. Extended with the types 1 and 4 and
 * unprotected legacy transactions as the chain accepts them (an authorization's signer is recovered only at
 * execution, so its tuples are compared as encoded).
 */
export function decodeTransactionWithEthers(
  raw: Uint8Array,
  rules: TxRules,
  recover: SignerRecovery = recoverSigner,
): AppTx {
  if (raw.length > MAX_TX_BYTES) {
    throw new AppError(
      "tx-too-large",
      `oversized data: transaction of ${raw.length} bytes, over ${MAX_TX_BYTES}`,
    );
  }
  const first = raw[0];
  if (first === undefined) throw new AppError("tx-malformed", "empty transaction");
  if (first === 0x03) {
    throw new AppError("tx-type-not-supported", "transaction type not supported: blob transactions (type 3)");
  }
  if (first < LEGACY_MIN_PREFIX && !SUPPORTED_TYPED.has(first)) {
    throw new AppError("tx-type-not-supported", `transaction type not supported: 0x${first.toString(16)}`);
  }
  const rawHex = bytesToHex(raw);
  let tx: Transaction;
  try {
    tx = Transaction.from(rawHex);
  } catch (err) {
    throw new AppError("tx-malformed", `malformed transaction: ${errorMessage(err).slice(0, 200)}`, {
      cause: err,
    });
  }
  const signature = tx.signature;
  if (signature === null) throw new AppError("tx-bad-signature", "invalid sender: transaction is unsigned");
  // ethers parses a high s and only refuses it when read through `s`; `_s` is the unchecked value.
  if (BigInt(signature._s) > HALF_ORDER) {
    throw new AppError("tx-bad-signature", "invalid transaction signature: high s");
  }
  const gasPrice = tx.type === 0 || tx.type === 1 ? (tx.gasPrice ?? 0n) : null;
  const maxFeePerGas = gasPrice ?? tx.maxFeePerGas ?? 0n;
  const maxPriorityFeePerGas = gasPrice ?? tx.maxPriorityFeePerGas ?? 0n;
  // Before serialising: ethers refuses to serialise such a transaction, and this error says why.
  if (maxPriorityFeePerGas > maxFeePerGas) {
    throw new AppError(
      "tx-tip-above-fee-cap",
      `max priority fee per gas higher than max fee per gas: ${maxPriorityFeePerGas} > ${maxFeePerGas}`,
    );
  }
  // ethers' RLP reader tolerates non-canonical encodings; one transaction must have one encoding (and one hash).
  let canonical: string;
  try {
    canonical = tx.serialized.toLowerCase();
  } catch (err) {
    throw new AppError("tx-malformed", `malformed transaction: ${errorMessage(err).slice(0, 200)}`, {
      cause: err,
    });
  }
  if (canonical !== rawHex)
    throw new AppError("tx-malformed", "malformed transaction: non-canonical encoding");
  if (tx.type !== 0 && tx.type !== 1 && tx.type !== 2 && tx.type !== 4) {
    throw new AppError("tx-type-not-supported", `transaction type not supported: ${tx.type}`);
  }
  if (!(tx.type === 0 && tx.chainId === 0n) && tx.chainId !== rules.chainId) {
    throw new AppError("tx-wrong-chain", `invalid chain id: ${tx.chainId}, this chain is ${rules.chainId}`);
  }
  const from = recoverSender(tx, signature, recover);
  const to = tx.to === null ? null : (tx.to.toLowerCase() as Address);
  if (to === null && getBytes(tx.data).length > MAX_INITCODE_SIZE) {
    throw new AppError(
      "tx-initcode-too-large",
      `max initcode size exceeded: code size ${getBytes(tx.data).length}, limit ${MAX_INITCODE_SIZE}`,
    );
  }
  const accessList = (tx.accessList ?? []).map((e) => ({
    address: e.address.toLowerCase() as Address,
    storageKeys: e.storageKeys.map((k) => k.toLowerCase() as Hex),
  }));
  const authorizationList = (tx.authorizationList ?? []).map(authorizationOf);
  if (tx.type === 4 && to === null) throw new AppError("tx-invalid-set-code", "creation");
  if (tx.type === 4 && authorizationList.length === 0) throw new AppError("tx-invalid-set-code", "empty");
  const minGas = minimumGasLimit({
    to,
    data: getBytes(tx.data),
    accessList,
    authorizations: authorizationList.length,
  });
  if (tx.gasLimit < minGas) {
    throw new AppError("tx-intrinsic-gas", `intrinsic gas too low: gas limit ${tx.gasLimit}, need ${minGas}`);
  }
  if (maxFeePerGas < rules.baseFee) {
    throw new AppError(
      "tx-underpriced",
      `transaction underpriced: fee cap ${maxFeePerGas} below base fee ${rules.baseFee}`,
    );
  }
  return {
    hash: keccak256Hex(raw),
    raw,
    type: tx.type,
    chainId: tx.chainId,
    from,
    to,
    nonce: BigInt(tx.nonce),
    value: tx.value,
    data: tx.data.toLowerCase() as Hex,
    gasLimit: tx.gasLimit,
    gasPrice,
    maxFeePerGas,
    maxPriorityFeePerGas,
    accessList,
    authorizationList,
  };
}

function authorizationOf(auth: NonNullable<Transaction["authorizationList"]>[number]): AuthorizationTuple {
  const { signature } = auth;
  return {
    chainId: auth.chainId,
    address: auth.address.toLowerCase() as Address,
    nonce: auth.nonce,
    yParity: BigInt(signature.yParity),
    r: BigInt(signature.r),
    s: BigInt(signature._s),
  };
}
/**
 * Recovers through node/crypto (libsecp256k1 when its addon loads) rather than ethers' `from` getter, a JS
 * recovery ~20x slower; parsing with Transaction.from recovers nothing. The signature's high s was refused
 * above, which recoverSigner checks again.
 */
function recoverSender(tx: Transaction, signature: Signature, recover: SignerRecovery): Address {
  try {
    const sig = concatBytes(
      hexToBytes(signature.r, 32),
      hexToBytes(signature._s, 32),
      Uint8Array.of(27 + signature.yParity),
    );
    return recover(hexToBytes(tx.unsignedHash, 32), bytesToHex(sig));
  } catch (err) {
    throw new AppError("tx-bad-signature", "invalid sender: signature does not recover", { cause: err });
  }
}
