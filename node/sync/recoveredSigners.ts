import {
  type Address,
  bytesToHex,
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
 * Signers recovered ahead of time: the signer (null: the signature does not verify) of a precommit or transaction
 * it holds, undefined for one it does not, which the chain or the application then recovers itself.
 */
export interface RecoveredSigners {
  voteSigner(chainId: bigint, vote: Vote): Address | null | undefined;
  /** A transaction's sender, by its signing digest and 65-byte signature. */
  txSigner(digest: Uint8Array, signature: Hex): Address | null | undefined;
  /**
   * The block of this height is about to execute: the pieces of its senders the thread has not been handed are
   * withdrawn (the application recovers those as it decodes, yielding as it goes), and those it holds are awaited
   * (a piece is a few milliseconds of its work). So this thread and that one leapfrog through a range of full
   * blocks, and no sender is recovered twice.
   */
  blockDue(height: number): Promise<void>;
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

/** Senders per message to the thread, within one block; their digests are made when the piece is posted. */
const TX_CHUNK = 128;

/** What recovering a transaction's sender takes (the application's senderSignature). */
export interface TxSignature {
  digest: Uint8Array;
  signature: Hex;
}

/** A transaction's TxSignature, null where its bytes do not parse as a signed transaction. */
export type TxSignatureOf = (raw: Uint8Array) => TxSignature | null;

/** Both: senders with the same payload (nonce, recipient, value, fees) sign the same digest. */
const txKey = (digest: Uint8Array, signature: Hex) => `${bytesToHex(digest)}/${signature}`;

/**
 * Starts recovering, on `recovery`'s thread, the public keys behind every precommit signature of the items'
 * commits and lastCommits and, given `txSignature`, behind every transaction's signature, and answers at once: a
 * signature is known from the moment its piece comes back. When the range is due, ready() recovers on this thread
 * the precommit pieces the thread has not started (the first range, or all of them on a machine without a spare
 * core) and hands the senders to the thread; as each block comes due, blockDue() splits its senders between the
 * two threads. `recovered` settles with the precommits' pieces. Only the curve arithmetic runs there: the answer
 * goes through recoverSignerWith, the same rules (v, r and s ranges, low s) and address derivation as every other
 * signature check of the node, so a signer from here is exactly what would be recovered here. A transaction's
 * entry is keyed by its signing digest and its signature, so a signature copied onto other bytes never inherits a
 * signer. A signature that does not even parse is left out; a failed piece leaves its signatures unknown.
 */
export function recoverRangeSigners(
  chainId: bigint,
  items: readonly { block: Block; commit: Commit }[],
  recovery: KeyRecovery,
  txSignature?: TxSignatureOf,
): { signers: RecoveredSigners; recovered: Promise<void> } {
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
  const bySignature = new Map<string, Recovered>();
  let sendersQueued = false;
  /** Per height, the pieces of its senders: each block's own, so that its turn can settle them. */
  const txPieces = new Map<number, { batch: RecoveryBatch; piece: Promise<void> }[]>();
  const queueSenders = (signatureOf: TxSignatureOf) => {
    for (const { block } of items) {
      const blockPieces: { batch: RecoveryBatch; piece: Promise<void> }[] = [];
      for (let start = 0; start < block.txs.length; start += TX_CHUNK) {
        const entries: Recovered[] = [];
        const batch = recovery.recover(() => {
          const made: RecoveryJob[] = [];
          for (const raw of block.txs.slice(start, start + TX_CHUNK)) {
            const job = senderJob(signatureOf(raw));
            if (job === null) continue;
            const key = txKey(job.entry.digest, job.signature);
            if (bySignature.has(key)) continue;
            bySignature.set(key, job.entry);
            entries.push(job.entry);
            made.push(job.job);
          }
          return made;
        });
        // A failed piece leaves its senders unknown; the thread's failure is reported through `recovered`.
        const piece = batch.keys.then(
          (keys) => {
            keys.forEach((key, i) => {
              (entries[i] as Recovered).publicKey = key;
            });
          },
          () => undefined,
        );
        blockPieces.push({ batch, piece });
      }
      if (blockPieces.length > 0) txPieces.set(block.header.height, blockPieces);
    }
  };
  const signerOf = (entry: Recovered, signature: Hex): Address | null => {
    try {
      return recoverSignerWith(knownKey(entry.publicKey ?? null), entry.digest, signature);
    } catch {
      return null;
    }
  };
  const signers: RecoveredSigners = {
    voteSigner(voteChainId, vote) {
      if (voteChainId !== chainId || vote.type !== VoteType.Precommit) return undefined;
      const entry = byVote.get(voteKey(vote.height, vote.round, vote.blockHash, vote.signature));
      if (entry?.publicKey === undefined) return undefined;
      entry.signer ??= signerOf(entry, vote.signature);
      return entry.signer;
    },
    txSigner(digest, signature) {
      const key = txKey(digest, signature);
      const entry = bySignature.get(key);
      if (entry?.publicKey === undefined) return undefined;
      // Asked once, as its block decodes (the application caches the decoding): the range's map only shrinks.
      bySignature.delete(key);
      return signerOf(entry, signature);
    },
    async blockDue(height) {
      const blockPieces = txPieces.get(height) ?? [];
      txPieces.delete(height);
      // Withdrawn ones are recovered by the application as it decodes; the others are on the thread already.
      await Promise.allSettled(
        blockPieces.filter(({ batch }) => !batch.withdraw()).map(({ piece }) => piece),
      );
    },
    async ready() {
      const taken = pieces.filter((_, i) => batches[i]?.takeBack(recoverHere));
      // Only now: the thread then works within the range being applied, never ranges ahead, so what it holds
      // (keys, digests) is bounded by one range whatever the fetch-ahead window.
      if (txSignature !== undefined && !sendersQueued) queueSenders(txSignature);
      sendersQueued = true;
      // Settled already: this lets their keys land in the entries before the chain asks.
      await Promise.allSettled(taken);
    },
  };
  const recovered = Promise.all(pieces).then(() => undefined);
  // A caller that only wants the signers need not watch the thread: a failure leaves them unknown.
  recovered.catch(() => undefined);
  return { signers, recovered };
}

/** The thread's job for one sender, and its entry; null where the signature cannot be recovered at all. */
function senderJob(
  signed: TxSignature | null,
): { job: RecoveryJob; entry: Recovered; signature: Hex } | null {
  if (signed === null) return null;
  const bytes = hexToBytes(signed.signature, 65);
  const v = bytes[64] ?? 0;
  if (v !== 27 && v !== 28) return null;
  return {
    job: { digest: signed.digest, compact: bytes.subarray(0, 64), recoveryId: v - 27 },
    entry: { digest: signed.digest },
    signature: signed.signature,
  };
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
