import type { Address, Hex } from "../../node/crypto/index.ts";
import { type DepositClaim, ETH_TOKEN } from "../../node/types/index.ts";
import { addr, alice } from "./appFixture.ts";

/** Deposit claims as the relayer submits them, for app tests. */

export const L1_USDC: Address = "0x00000000000000000000000000000000000a0a0a";
export const DEPOSITOR: Address = "0x00000000000000000000000000000000000d0d0d";

export function usdcClaim(nonce: bigint, overrides: Partial<DepositClaim> = {}): DepositClaim {
  return {
    nonce,
    l1Token: L1_USDC,
    from: DEPOSITOR,
    to: addr(alice),
    amount: 1_000n,
    name: "USD Coin",
    symbol: "USDC",
    decimals: 6,
    l1TxHash: `0x${nonce.toString(16).padStart(64, "e")}` as Hex,
    ...overrides,
  };
}

export const ethClaim = (nonce: bigint, amount: bigint, to: Address = addr(alice)): DepositClaim =>
  usdcClaim(nonce, { l1Token: ETH_TOKEN, to, amount, name: "Ether", symbol: "ETH", decimals: 18 });
