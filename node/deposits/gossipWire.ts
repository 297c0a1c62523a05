import { decodeRlpStrict, encodeRlpItem, RlpError } from "../crypto/index.ts";
import {
  DEPOSIT_CLAIM_LIMITS,
  type DepositClaim,
  decodeDepositClaim,
  depositClaimFromRlp,
  depositClaimToRlp,
  encodeDepositClaim,
  uintFromRlp,
  uintToRlp,
} from "../types/index.ts";

/** A claim with its re-gossip id: the list header and a uint64 more than the claim, well under the topic's 1 KiB. */
export const MAX_CLAIM_GOSSIP_BYTES = DEPOSIT_CLAIM_LIMITS.maxBytes + 16;

/**
 * A deposit claim as gossiped on "deposit-claim": the claim's RLP (as first sent), or RLP([claim, gossipId]) when
 * sent again. gossipsub drops a payload it saw in the last minutes by its content id, so each re-gossip carries
 * a new id to reach a peer that missed the first (as transaction batches do).
 */
export function encodeClaimGossip(claim: DepositClaim, gossipId?: bigint): Uint8Array {
  if (gossipId === undefined) return encodeDepositClaim(claim);
  return encodeRlpItem([depositClaimToRlp(claim), uintToRlp(gossipId, "claimGossip.gossipId", 8)]);
}

export function decodeClaimGossip(bytes: Uint8Array): { claim: DepositClaim; gossipId?: bigint } {
  if (bytes.length > MAX_CLAIM_GOSSIP_BYTES)
    throw new RlpError(`claimGossip: ${bytes.length} bytes is over ${MAX_CLAIM_GOSSIP_BYTES}`);
  const item = decodeRlpStrict(bytes);
  if (Array.isArray(item) && item.length === 2) {
    return {
      claim: depositClaimFromRlp(item[0], "claimGossip.claim"),
      gossipId: uintFromRlp(item[1], "claimGossip.gossipId", 8),
    };
  }
  return { claim: decodeDepositClaim(bytes) };
}
