import {
  type Address,
  type Hex,
  hexToBytes,
  recoverSignerWith,
  type Secp256k1Backend,
  secp256k1Backend,
  VoteType,
  voteDigest,
} from "../crypto/index.ts";
import type { Block, Commit, Vote } from "../types/index.ts";
import type { KeyRecovery, RecoveryBatch, RecoveryJob } from "./keyRecoveryWorker.ts";

/**
 * Signers of precommits recovered ahead of time: the signer (null: the signature does not verify) of a precommit
 * it holds, undefined for one it does not, which the chain then verifies itself.
 */
export interface PrecommitSigners {
  voteSigner(chainId: bigint, vote: Vote): Address | null | undefined;
  /**
   * Recovers here what the thread has not started, so that it is not recovered twice, and resolves without waiting
   * for what the thread holds: what it has not answered by then the chain recovers itself. Waiting would hand the
   * node's share of a busy machine to one thread instead of two.
   */
  ready(): Promise<void>;
}

interface Recovered {
  digest: Uint8Array;
  /** undefined until the thread answers. */
  publicKey?: Uint8Array | null;
  /** The address derived once from the key (the chain asks for a commit and again for the next lastCommit). */
  signer?: Address | null;
}

/** Signatures per message to the thread: answers come back in pieces, each usable as soon as it lands. */
const CHUNK = 64;

const voteKey = (height: number, round: number, blockHash: Hex | null, signature: Hex) =>
  `${height}/${round}/${blockHash}/${signature}`;

/**
 * Starts recovering, on `recovery`'s thread, the public keys behind every precommit signature of the items'
 * commits and lastCommits, and answers at once: a signature is known from the moment its piece comes back. When
 * the range is due, ready() recovers on this thread the pieces the thread has not started (the first range, or
 * all of them on a machine without a spare core); nothing ever waits for the thread. Only the curve arithmetic
 * runs there: the answer goes through recoverSignerWith, the same rules (v, r and s ranges, low s) and address derivation as every
 * other signature check of the node, so a signer from here is exactly what the node's verifier would recover.
 * A signature that does not even parse is left out; a failed piece leaves its signatures unknown.
 */
export function recoverPrecommitSigners(
  chainId: bigint,
  items: readonly { block: Block; commit: Commit }[],
  recovery: KeyRecovery,
): { signers: PrecommitSigners; recovered: Promise<void> } {
  const byVote = new Map<string, Recovered>();
  const jobs: RecoveryJob[] = [];
  const pending: Recovered[] = [];
  const add = (commit: Commit) => {
    let digest: Uint8Array | null = null;
    for (const { signature } of commit.signatures) {
      const key = voteKey(commit.height, commit.round, commit.blockHash, signature);
      if (byVote.has(key)) continue;
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
      const entry: Recovered = { digest };
      byVote.set(key, entry);
      pending.push(entry);
      jobs.push({ digest, compact: bytes.subarray(0, 64), recoveryId: v - 27 });
    }
  };
  for (const { block, commit } of items) {
    add(commit);
    if (block.lastCommit !== null) add(block.lastCommit);
  }
  const pieces: Promise<void>[] = [];
  const batches: RecoveryBatch[] = [];
  for (let start = 0; start < jobs.length; start += CHUNK) {
    const batch = recovery.recover(jobs.slice(start, start + CHUNK));
    batches.push(batch);
    pieces.push(
      batch.keys.then((keys) => {
        keys.forEach((key, i) => {
          (pending[start + i] as Recovered).publicKey = key;
        });
      }),
    );
  }
  const signers: PrecommitSigners = {
    voteSigner(voteChainId, vote) {
      if (voteChainId !== chainId || vote.type !== VoteType.Precommit) return undefined;
      const entry = byVote.get(voteKey(vote.height, vote.round, vote.blockHash, vote.signature));
      if (entry?.publicKey === undefined) return undefined;
      if (entry.signer !== undefined) return entry.signer;
      try {
        entry.signer = recoverSignerWith(knownKey(entry.publicKey), entry.digest, vote.signature);
      } catch {
        entry.signer = null;
      }
      return entry.signer;
    },
    async ready() {
      const taken = pieces.filter((_, i) => batches[i]?.takeBack(recoverHere));
      // Settled already: this lets their keys land in the entries before the chain asks.
      await Promise.allSettled(taken);
    },
  };
  const recovered = Promise.all(pieces).then(() => undefined);
  // A caller that only wants the signers need not watch the thread: a failure leaves them unknown.
  recovered.catch(() => undefined);
  return { signers, recovered };
}

function recoverHere(job: RecoveryJob): Uint8Array | null {
  try {
    return secp256k1Backend.recoverPublicKey(job.digest, job.compact, job.recoveryId);
  } catch {
    return null;
  }
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
