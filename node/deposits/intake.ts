import { type DepositClaim, encodeDepositClaim } from "../types/index.ts";
import type { SubmitClaimResult } from "../types/rpc/index.ts";
import { errorMessage } from "../util/errors.ts";
import type { ClaimPool } from "./claimPool.ts";
import type { DepositConfirmer } from "./confirmer.ts";
import { decodeClaimGossip } from "./gossipWire.ts";

export type ClaimGossipVerdict =
  | { verdict: "accept"; claim: DepositClaim }
  | { verdict: "reject" | "ignore" };

export interface DepositIntakeModules {
  pool: ClaimPool;
  /** null on a node without an L1 connection: it takes no claims. */
  confirmer: DepositConfirmer | null;
  publish: (data: Uint8Array) => void;
}

/**
 * The one door for deposit claims, from RPC and from gossip: a claim enters the pool only once L1 confirms it,
 * so a forged claim never occupies a nonce and a replayed one is answered from state.
 */
export class DepositIntake {
  constructor(private readonly m: DepositIntakeModules) {}

  async submit(claim: DepositClaim): Promise<SubmitClaimResult> {
    const where = this.m.pool.classify(claim.nonce);
    if (where === "minted") return { ok: true, status: "minted" };
    if (where === "known") return { ok: true, status: "pending" };
    if (where === "too-far")
      return { ok: false, message: `deposit ${claim.nonce} is too far ahead of the next nonce` };
    if (this.m.confirmer === null) {
      return { ok: false, message: "this node has no L1 connection (l1RpcUrl) to confirm deposits" };
    }
    let verdict: Awaited<ReturnType<DepositConfirmer["check"]>>;
    try {
      verdict = await this.m.confirmer.check(claim);
    } catch (err) {
      return { ok: false, message: `cannot confirm deposit ${claim.nonce}: ${errorMessage(err)}` };
    }
    if (verdict === "mismatch")
      return { ok: false, message: `deposit claim ${claim.nonce} does not match L1` };
    if (verdict === "unconfirmed") {
      return { ok: false, message: `deposit ${claim.nonce} is not on L1 or not final there yet` };
    }
    // Another caller may have added it while L1 answered.
    if (this.m.pool.add(claim) === "added") this.m.publish(encodeDepositClaim(claim));
    return { ok: true, status: "pending" };
  }

  /** Gossip validation: reject what L1 contradicts, ignore what cannot be judged now. */
  async validateGossip(data: Uint8Array): Promise<"accept" | "reject" | "ignore"> {
    const judged = await this.judge(data);
    if (judged.verdict === "accept") this.m.pool.add(judged.claim);
    return judged.verdict;
  }

  /**
   * The gossip verdict on a payload without taking its claim: a fetched answer is judged whole, then taken or
   * refused whole.
   */
  async judge(data: Uint8Array): Promise<ClaimGossipVerdict> {
    let claim: DepositClaim;
    try {
      claim = decodeClaimGossip(data).claim;
    } catch {
      return { verdict: "reject" };
    }
    if (this.m.pool.classify(claim.nonce) !== "new" || this.m.confirmer === null)
      return { verdict: "ignore" };
    try {
      const verdict = await this.m.confirmer.check(claim);
      if (verdict === "mismatch") return { verdict: "reject" };
      if (verdict === "unconfirmed") return { verdict: "ignore" };
    } catch {
      return { verdict: "ignore" };
    }
    return { verdict: "accept", claim };
  }

  /** Takes a claim `judge` accepted (the pool refuses it if another path took the nonce meanwhile). */
  take(claim: DepositClaim): boolean {
    return this.m.pool.add(claim) === "added";
  }
}
