import { type RlpItem, rlpList } from "../crypto/index.ts";
import {
  addressFromRlp,
  addressToRlp,
  decodeTop,
  encodeTop,
  hashFromRlp,
  hashToRlp,
  stringFromRlp,
  stringToRlp,
  uintFromRlp,
  uintToRlp,
} from "./fields.ts";
import { DEPOSIT_CLAIM_LIMITS, MAX_TOKEN_NAME_BYTES, MAX_TOKEN_SYMBOL_BYTES } from "./limits.ts";
import type { DepositClaim } from "./shapes.ts";

/**
 * RLP: [nonce, l1Token, from, to, amount, name, symbol, decimals, l1TxHash]. name and symbol are UTF-8 within
 * MAX_TOKEN_NAME_BYTES / MAX_TOKEN_SYMBOL_BYTES; decimals is a uint8, as ERC20 declares it.
 */
export function depositClaimToRlp(c: DepositClaim, what = "depositClaim"): RlpItem {
  return [
    uintToRlp(c.nonce, `${what}.nonce`),
    addressToRlp(c.l1Token, `${what}.l1Token`),
    addressToRlp(c.from, `${what}.from`),
    addressToRlp(c.to, `${what}.to`),
    uintToRlp(c.amount, `${what}.amount`),
    stringToRlp(c.name, MAX_TOKEN_NAME_BYTES, `${what}.name`),
    stringToRlp(c.symbol, MAX_TOKEN_SYMBOL_BYTES, `${what}.symbol`),
    decimalsToRlp(c.decimals, `${what}.decimals`),
    hashToRlp(c.l1TxHash, `${what}.l1TxHash`),
  ];
}

function decimalsToRlp(decimals: number, what: string): Uint8Array {
  return uintToRlp(Number.isInteger(decimals) ? BigInt(decimals) : -1n, what, 1);
}

export function depositClaimFromRlp(item: RlpItem | undefined, what = "depositClaim"): DepositClaim {
  const [nonce, l1Token, from, to, amount, name, symbol, decimals, l1TxHash] = rlpList(item, 9, what);
  return {
    nonce: uintFromRlp(nonce, `${what}.nonce`),
    l1Token: addressFromRlp(l1Token, `${what}.l1Token`),
    from: addressFromRlp(from, `${what}.from`),
    to: addressFromRlp(to, `${what}.to`),
    amount: uintFromRlp(amount, `${what}.amount`),
    name: stringFromRlp(name, MAX_TOKEN_NAME_BYTES, `${what}.name`),
    symbol: stringFromRlp(symbol, MAX_TOKEN_SYMBOL_BYTES, `${what}.symbol`),
    decimals: Number(uintFromRlp(decimals, `${what}.decimals`, 1)),
    l1TxHash: hashFromRlp(l1TxHash, `${what}.l1TxHash`),
  };
}

export function encodeDepositClaim(c: DepositClaim): Uint8Array {
  return encodeTop(depositClaimToRlp(c), DEPOSIT_CLAIM_LIMITS, "depositClaim");
}

export function decodeDepositClaim(bytes: Uint8Array): DepositClaim {
  return depositClaimFromRlp(decodeTop(bytes, DEPOSIT_CLAIM_LIMITS, "depositClaim"));
}
