import type { Address } from "../crypto/index.ts";
import type { Proposal, Vote } from "../types/shapes.ts";
import type { MessageVerifier } from "./messages.ts";

export interface CachingVerifierOptions {
  /** Signatures remembered; the oldest is forgotten first. */
  capacity: number;
}

export interface CachingVerifierModules {
  /** The verifier that actually recovers signers. */
  inner: MessageVerifier;
}

/**
 * A verifier that recovers each signature once: gossip validation, the engine, catch-up and commit checks all see
 * the same votes, and recovery (~55 µs native, ~1 ms in pure JS) is the dominant cost. The answer is a pure
 * function of the signed digest and the signature, so remembering it cannot change a verdict; first-in
 * first-out keeps the memory bounded without bookkeeping on reads.
 */
export function createCachingVerifier(
  opts: CachingVerifierOptions,
  modules: CachingVerifierModules,
): MessageVerifier {
  if (!Number.isSafeInteger(opts.capacity) || opts.capacity < 1) {
    throw new RangeError(`verifier cache capacity must be a positive integer, got ${opts.capacity}`);
  }
  const signers = new Map<string, Address | null>();
  const remember = (key: string, recover: () => Address | null): Address | null => {
    const known = signers.get(key);
    if (known !== undefined) return known;
    const signer = recover();
    if (signers.size >= opts.capacity) {
      const oldest = signers.keys().next();
      if (!oldest.done) signers.delete(oldest.value);
    }
    signers.set(key, signer);
    return signer;
  };
  return {
    // Keyed by what the digest is computed from rather than by the digest: equal fields sign equal digests, and a
    // hit then costs no hashing (block sync looks up every precommit of every commit twice).
    voteSigner(chainId: bigint, vote: Vote): Address | null {
      const { type, height, round, blockHash, signature } = vote;
      return remember(`v/${chainId}/${type}/${height}/${round}/${blockHash}/${signature}`, () =>
        modules.inner.voteSigner(chainId, vote),
      );
    },
    proposalSigner(chainId: bigint, proposal: Proposal): Address | null {
      const { height, round, polRound, blockHash, signature } = proposal;
      return remember(`p/${chainId}/${height}/${round}/${polRound}/${blockHash}/${signature}`, () =>
        modules.inner.proposalSigner(chainId, proposal),
      );
    },
  };
}
