import {
  type Address,
  type Hex,
  hexToBytes,
  recoverSignerWith,
  type Secp256k1Backend,
  VoteType,
  voteDigest,
} from "../crypto/index.ts";
import type { Block, Commit, Vote } from "../types/index.ts";
import type { KeyRecovery, RecoveryJob } from "./keyRecoveryWorker.ts";

/**
 * Signers of precommits recovered ahead of time: the signer (null: the signature does not verify) of a precommit
 * it holds, undefined for one it does not, which the chain then verifies itself.
 */
export interface PrecommitSigners {
  voteSigner(chainId: bigint, vote: Vote): Address | null | undefined;
}

interface Recovered {
  digest: Uint8Array;
  publicKey: Uint8Array | null;
}

const voteKey = (height: number, round: number, blockHash: Hex | null, signature: Hex) =>
  `${height}/${round}/${blockHash}/${signature}`;

/**
 * Recovers, on `recovery`'s thread, the public keys behind every precommit signature of the items' commits and
 * lastCommits. Only the curve arithmetic runs there: the answer goes through recoverSignerWith, the same rules
 * (v, r and s ranges, low s) and address derivation as every other signature check of the node, so a signer
 * from here is exactly what the node's verifier would recover. A signature that does not even parse is left out.
 */
export async function recoverPrecommitSigners(
  chainId: bigint,
  items: readonly { block: Block; commit: Commit }[],
  recovery: KeyRecovery,
): Promise<PrecommitSigners> {
  const recovered = new Map<string, Recovered>();
  const jobs: RecoveryJob[] = [];
  const pending: Recovered[] = [];
  const add = (commit: Commit) => {
    let digest: Uint8Array | null = null;
    for (const { signature } of commit.signatures) {
      const key = voteKey(commit.height, commit.round, commit.blockHash, signature);
      if (recovered.has(key)) continue;
      let bytes: Uint8Array;
      try {
        bytes = hexToBytes(signature, 65);
      } catch {
        continue;
      }
      const v = bytes[64] ?? 0;
      if (v !== 27 && v !== 28) continue;
      digest ??= voteDigest({
        chainId,
        type: VoteType.Precommit,
        height: commit.height,
        round: commit.round,
        blockHash: commit.blockHash,
      });
      const entry: Recovered = { digest, publicKey: null };
      recovered.set(key, entry);
      pending.push(entry);
      jobs.push({ digest, compact: bytes.subarray(0, 64), recoveryId: v - 27 });
    }
  };
  for (const { block, commit } of items) {
    add(commit);
    if (block.lastCommit !== null) add(block.lastCommit);
  }
  const keys = await recovery.recover(jobs);
  pending.forEach((entry, i) => {
    entry.publicKey = keys[i] ?? null;
  });
  return {
    voteSigner(voteChainId, vote) {
      if (voteChainId !== chainId || vote.type !== VoteType.Precommit) return undefined;
      const entry = recovered.get(voteKey(vote.height, vote.round, vote.blockHash, vote.signature));
      if (entry === undefined) return undefined;
      try {
        return recoverSignerWith(knownKey(entry.publicKey), entry.digest, vote.signature);
      } catch {
        return null;
      }
    },
  };
}

/** A backend that answers with the key recovered beforehand (or fails as the native one did). */
function knownKey(publicKey: Uint8Array | null): Secp256k1Backend {
  return {
    name: "native",
    description: "public key recovered on the sync's recovery thread",
    recoverPublicKey() {
      if (publicKey === null) throw new Error("no public key recovers");
      return publicKey;
    },
    sign() {
      throw new Error("a recovered key cannot sign");
    },
  };
}
