import type { Address } from "../../node/crypto/index.ts";
import type { DepositClaim } from "../../node/types/index.ts";
import { addr, alice } from "./appFixture.ts";
import { DEPOSITOR, ethClaim as ethClaimTo, L1_TOKEN, testClaim } from "./deposits.ts";

/** Deposit claims as the relayer submits them, for app tests: credited to alice unless told otherwise. */

export const L1_USDC: Address = L1_TOKEN;
export { DEPOSITOR };

export function usdcClaim(nonce: bigint, overrides: Partial<DepositClaim> = {}): DepositClaim {
  return testClaim(nonce, { to: addr(alice), ...overrides });
}

export const ethClaim = (nonce: bigint, amount: bigint, to: Address = addr(alice)): DepositClaim =>
  ethClaimTo(nonce, amount, to);
