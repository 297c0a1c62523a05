import type { DepositClaim } from "../types/index.ts";
import type { ClaimPool } from "./claimPool.ts";
import type { ClaimVerdict, DepositConfirmer } from "./confirmer.ts";

/** The block pipeline's view of the deposit path: the claims ready for a block, and their check against L1. */
export function depositsForBlocks(pool: Pick<ClaimPool, "ready">, confirmer: DepositConfirmer) {
  return {
    ready: (max: number): DepositClaim[] => pool.ready(max),
    check: (claim: DepositClaim): Promise<ClaimVerdict> => confirmer.check(claim),
  };
}
