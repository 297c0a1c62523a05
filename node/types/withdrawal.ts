import { type RlpItem, rlpList } from "../crypto/index.ts";
import { addressFromRlp, addressToRlp, decodeTop, encodeTop, uintFromRlp, uintToRlp } from "./fields.ts";
import { WITHDRAWAL_LIMITS } from "./limits.ts";
import type { Withdrawal } from "./shapes.ts";

/** RLP: [id, l1Token, l1Recipient, amount]. */
export function withdrawalToRlp(w: Withdrawal, what = "withdrawal"): RlpItem {
  return [
    uintToRlp(w.id, `${what}.id`),
    addressToRlp(w.l1Token, `${what}.l1Token`),
    addressToRlp(w.l1Recipient, `${what}.l1Recipient`),
    uintToRlp(w.amount, `${what}.amount`),
  ];
}

export function withdrawalFromRlp(item: RlpItem | undefined, what = "withdrawal"): Withdrawal {
  const [id, l1Token, l1Recipient, amount] = rlpList(item, 4, what);
  return {
    id: uintFromRlp(id, `${what}.id`),
    l1Token: addressFromRlp(l1Token, `${what}.l1Token`),
    l1Recipient: addressFromRlp(l1Recipient, `${what}.l1Recipient`),
    amount: uintFromRlp(amount, `${what}.amount`),
  };
}

export function encodeWithdrawal(w: Withdrawal): Uint8Array {
  return encodeTop(withdrawalToRlp(w), WITHDRAWAL_LIMITS, "withdrawal");
}

export function decodeWithdrawal(bytes: Uint8Array): Withdrawal {
  return withdrawalFromRlp(decodeTop(bytes, WITHDRAWAL_LIMITS, "withdrawal"));
}
