import { concatBytes, encodeRlpItem, type Hex, keccak256Hex, RlpError, rlpList } from "../crypto/index.ts";
import {
  addressFromRlp,
  addressToRlp,
  decodeTop,
  hashFromRlp,
  hashToRlp,
  uintFromRlp,
  uintToRlp,
} from "./fields.ts";
import type { DepositClaim } from "./shapes.ts";

/**
 * A credited L1 deposit as a transaction of its own (DESIGN.md §4), after the OP Stack's deposit transactions:
 * unsigned, from the bridge system address, fee-free, placed before the block's signed transactions.
 */

/** The EIP-2718 type byte, the OP Stack's: above every signed type, so no signed transaction can collide. */
export const DEPOSIT_TX_TYPE = 0x7e;

/** What a deposit transaction's bytes hold: the claim less the token metadata and the recipient's token. */
export type DepositTxFields = Pick<DepositClaim, "nonce" | "l1TxHash" | "l1Token" | "from" | "to" | "amount">;

const DEPOSIT_TX_LIMITS = { maxBytes: 5 + 33 + 33 + 21 * 3 + 33, maxItems: 7 };

/**
 * raw = 0x7e ‖ RLP([nonce, l1TxHash, l1Token, l1From, to, amount]). Only fields of the L1 deposit itself go in
 * (its nonce on the Bridge and the L1 transaction that made it, then what Bridge.depositHash commits to), so
 * every node derives the same bytes and hash from the claim, and no two deposits share them. The token metadata
 * is left out: it only names a token on its first deposit.
 */
export function encodeDepositTx(d: DepositTxFields): Uint8Array {
  const body = encodeRlpItem([
    uintToRlp(d.nonce, "depositTx.nonce"),
    hashToRlp(d.l1TxHash, "depositTx.l1TxHash"),
    addressToRlp(d.l1Token, "depositTx.l1Token"),
    addressToRlp(d.from, "depositTx.from"),
    addressToRlp(d.to, "depositTx.to"),
    uintToRlp(d.amount, "depositTx.amount"),
  ]);
  return concatBytes(Uint8Array.of(DEPOSIT_TX_TYPE), body);
}

export function decodeDepositTx(raw: Uint8Array): DepositTxFields {
  if (!(raw instanceof Uint8Array) || raw[0] !== DEPOSIT_TX_TYPE) {
    throw new RlpError(`depositTx: expected type byte 0x${DEPOSIT_TX_TYPE.toString(16)}`);
  }
  const item = decodeTop(raw.subarray(1), DEPOSIT_TX_LIMITS, "depositTx");
  const [nonce, l1TxHash, l1Token, from, to, amount] = rlpList(item, 6, "depositTx");
  return {
    nonce: uintFromRlp(nonce, "depositTx.nonce"),
    l1TxHash: hashFromRlp(l1TxHash, "depositTx.l1TxHash"),
    l1Token: addressFromRlp(l1Token, "depositTx.l1Token"),
    from: addressFromRlp(from, "depositTx.from"),
    to: addressFromRlp(to, "depositTx.to"),
    amount: uintFromRlp(amount, "depositTx.amount"),
  };
}

/** keccak256(raw), as for any typed transaction: the hash receipts, the tx index and RPC use. */
export function depositTxHash(d: DepositTxFields): Hex {
  return keccak256Hex(encodeDepositTx(d));
}

export function isDepositTx(raw: Uint8Array): boolean {
  return raw[0] === DEPOSIT_TX_TYPE;
}
