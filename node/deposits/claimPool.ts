import type { DepositClaim } from "../types/index.ts";

/** Claims held ahead of the next nonce; a relayer never needs more in flight, and this bounds memory. */
export const MAX_PENDING_CLAIMS = 4_096;

export type ClaimAddResult = "added" | "known" | "minted" | "too-far";

/**
 * Deposit claims waiting for a block, by nonce. Only claims already confirmed against L1 enter (the RPC method and
 * gossip validation check first), so one nonce has at most one claim and a forged claim never displaces a true one.
 */
export class ClaimPool {
  private readonly claims = new Map<bigint, DepositClaim>();

  constructor(private readonly nextNonce: () => bigint) {}

  get size(): number {
    return this.claims.size;
  }

  /** Where `claim` would stand, without adding it. */
  classify(nonce: bigint): ClaimAddResult | "new" {
    const next = this.nextNonce();
    if (nonce < next) return "minted";
    if (nonce >= next + BigInt(MAX_PENDING_CLAIMS)) return "too-far";
    return this.claims.has(nonce) ? "known" : "new";
  }

  add(claim: DepositClaim): ClaimAddResult {
    const where = this.classify(claim.nonce);
    if (where !== "new") return where;
    this.claims.set(claim.nonce, claim);
    return "added";
  }

  get(nonce: bigint): DepositClaim | null {
    return this.claims.get(nonce) ?? null;
  }

  /** The consecutive run of held claims from the next nonce: what a block may include, in order. */
  ready(max: number): DepositClaim[] {
    const out: DepositClaim[] = [];
    for (let nonce = this.nextNonce(); out.length < max; nonce++) {
      const claim = this.claims.get(nonce);
      if (claim === undefined) break;
      out.push(claim);
    }
    return out;
  }

  /** Held claims from nonce `from` on, lowest first, at most `max`: what a peer that missed them asks for. */
  from(from: bigint, max: number): DepositClaim[] {
    return [...this.claims.values()]
      .filter((claim) => claim.nonce >= from)
      .sort((a, b) => (a.nonce < b.nonce ? -1 : a.nonce > b.nonce ? 1 : 0))
      .slice(0, max);
  }

  /** Every held claim not yet minted, lowest nonce first. */
  held(): DepositClaim[] {
    return this.from(this.nextNonce(), MAX_PENDING_CLAIMS);
  }

  /** Whether claims wait above a nonce this node lacks: the one before them was likely missed. */
  hasGap(): boolean {
    return this.claims.size > 0 && !this.claims.has(this.nextNonce());
  }

  /** Drops claims a committed block has minted. */
  prune(): void {
    const next = this.nextNonce();
    for (const nonce of this.claims.keys()) if (nonce < next) this.claims.delete(nonce);
  }
}
