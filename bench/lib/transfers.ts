import secp256k1 from "secp256k1";
import { erc20Interface, GAS } from "../../node/app/index.ts";
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

export class UnsupportedKindError extends Error {
  constructor(kind: TransferKind) {
    super(`${kind} transfers cannot be sent yet: the chain has no EVM`);
    this.name = "UnsupportedKindError";
  }
}

/**
 * native: 1 wei to the recipient. token: transfer(recipient, 1) on a system token (node/app/tokens.ts), at its
 * fixed gas. erc20: a deployed ERC20 contract's transfer(), once the EVM exists (its address will come from a
 * deployment made before the timed steps).
 */
export function transferCall(kind: TransferKind, recipient: Address, token: Address): TransferCall {
  switch (kind) {
    case "native":
      return { to: recipient, value: 1n, data: "0x", gasLimit: GAS.nativeTransfer };
    case "token":
      return {
        to: token,
        value: 0n,
        data: erc20Interface.encodeFunctionData("transfer", [recipient, 1n]) as Hex,
        gasLimit: GAS.tokenTransfer,
      };
    case "erc20":
      throw new UnsupportedKindError(kind);
  }
}

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
  fields: TransferCall & { chainId: bigint; nonce: bigint; maxFeePerGas: bigint },
): SignedTx {
  const unsigned = [
    rlpUintItem(fields.chainId),
    rlpUintItem(fields.nonce),
    rlpUintItem(0n),
    rlpUintItem(fields.maxFeePerGas),
    rlpUintItem(fields.gasLimit),
    hexToBytes(fields.to, 20),
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
