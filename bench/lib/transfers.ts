import secp256k1 from "secp256k1";
import { erc20Interface, intrinsicGas, tokenCallGas } from "../../node/app/index.ts";
import {
  type Address,
  bytesToHex,
  concatBytes,
  encodeRlpItem,
  type Hex,
  hexToBytes,
  keccak256,
  rlpUintItem,
} from "../../node/crypto/index.ts";
import type { TransferKind } from "./verdict.ts";

/** The fields of one transfer that depend on its kind. */
export interface TransferCall {
  to: Address;
  value: bigint;
  data: Hex;
  gasLimit: bigint;
}

/** A native transfer runs no code: its gas is the intrinsic 21,000 (node/app/execute.ts' fast path). */
const NATIVE_TRANSFER_GAS = 21_000n;
/**
 * An OpenZeppelin 5 ERC20 transfer() between holders costs about 35,000 gas, 52,000 when the recipient held
 * none: a limit just above both, as a wallet's estimate with a margin. Blocks fill by each transaction's limit
 * against the gas left (Ethereum's gas pool), so a far higher limit would cap the block, not the chain.
 */
export const ERC20_TRANSFER_GAS_LIMIT = 60_000n;

/**
 * native: 1 wei to the recipient. token: transfer(recipient, 1) on a system token (node/app/tokens.ts), with the
 * gas it is charged exactly (intrinsic plus the token's fixed call gas). erc20: transfer(recipient, 1) on an
 * ERC20 contract deployed in the EVM (bench/lib/testToken.ts); `token` is then its address.
 */
export function transferCall(kind: TransferKind, recipient: Address, token: Address): TransferCall {
  if (kind === "native") return { to: recipient, value: 1n, data: "0x", gasLimit: NATIVE_TRANSFER_GAS };
  const data = erc20Interface.encodeFunctionData("transfer", [recipient, 1n]) as Hex;
  const gasLimit =
    kind === "token"
      ? intrinsicGas({ to: token, data: hexToBytes(data) }).intrinsic + tokenCallGas(data)
      : ERC20_TRANSFER_GAS_LIMIT;
  return { to: token, value: 0n, data, gasLimit };
}

/** Any call or, with `to` null, a contract creation: what the bench's setup blocks send. */
export type UnsignedTx = Omit<TransferCall, "to"> & { to: Address | null };

export interface SignedTx {
  raw: Hex;
  /** keccak256 of raw: the hash eth_sendRawTransaction answers and blocks list. */
  hash: Hex;
}

const TYPE_2 = Uint8Array.of(0x02);

/**
 * An EIP-1559 transaction signed with the native secp256k1 addon and encoded with node/crypto's RLP: ethers takes
 * about a millisecond per transaction, which for a run's tens of thousands would dwarf the run itself.
 */
export function signTransfer(
  key: Uint8Array,
  fields: UnsignedTx & { chainId: bigint; nonce: bigint; maxFeePerGas: bigint },
): SignedTx {
  const unsigned = [
    rlpUintItem(fields.chainId),
    rlpUintItem(fields.nonce),
    rlpUintItem(0n),
    rlpUintItem(fields.maxFeePerGas),
    rlpUintItem(fields.gasLimit),
    fields.to === null ? new Uint8Array(0) : hexToBytes(fields.to, 20),
    rlpUintItem(fields.value),
    hexToBytes(fields.data),
    [],
  ];
  const digest = keccak256(concatBytes(TYPE_2, encodeRlpItem(unsigned)));
  // libsecp256k1 signs with low s, as the chain requires.
  const { signature, recid } = secp256k1.ecdsaSign(digest, key);
  const r = BigInt(bytesToHex(signature.subarray(0, 32)));
  const s = BigInt(bytesToHex(signature.subarray(32)));
  const raw = concatBytes(
    TYPE_2,
    encodeRlpItem([...unsigned, rlpUintItem(recid), rlpUintItem(r), rlpUintItem(s)]),
  );
  return { raw: bytesToHex(raw), hash: bytesToHex(keccak256(raw)) };
}
