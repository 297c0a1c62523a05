import { type Hex, ZERO_HASH } from "../crypto/index.ts";
import type { L1Reader } from "../l1/index.ts";
import { type DepositClaim, depositHash } from "../types/index.ts";

/** confirmed: L1 holds exactly this deposit at its final block; mismatch: it holds another; unconfirmed: none yet. */
export type ClaimVerdict = "confirmed" | "mismatch" | "unconfirmed";

export interface DepositConfirmer {
  /** Throws L1UnavailableError when L1 cannot answer: that says nothing about the claim. */
  check(claim: DepositClaim): Promise<ClaimVerdict>;
}

/** Final deposit hashes never change, so they are cached; this bounds the cache. */
const MAX_CACHED = 10_000;

export function createDepositConfirmer(reader: Pick<L1Reader, "confirmedDepositHash">): DepositConfirmer {
  const final = new Map<bigint, Hex>();
  return {
    async check(claim) {
      let onL1 = final.get(claim.nonce);
      if (onL1 === undefined) {
        onL1 = await reader.confirmedDepositHash(claim.nonce);
        if (onL1 === ZERO_HASH) return "unconfirmed";
        if (final.size >= MAX_CACHED) final.delete(final.keys().next().value as bigint);
        final.set(claim.nonce, onL1);
      }
      let claimed: Hex;
      try {
        claimed = depositHash(claim);
      } catch {
        return "mismatch";
      }
      return claimed === onL1 ? "confirmed" : "mismatch";
    },
  };
}
