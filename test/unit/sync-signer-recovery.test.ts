import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { secp256k1Verifier } from "../../node/consensus/verifier.ts";
import {
  type Hex,
  hexToBytes,
  keccak256,
  secp256k1Backend,
  signDigest,
  VoteType,
} from "../../node/crypto/index.ts";
import {
  type KeyRecovery,
  type RecoveryJob,
  startKeyRecoveryWorker,
} from "../../node/sync/keyRecoveryWorker.ts";
import { recoverPrecommitSigners } from "../../node/sync/precommitSigners.ts";
import type { Block, Commit, Vote } from "../../node/types/index.ts";
import { addr, CHAIN_ID, val1, val2 } from "../helpers/appFixture.ts";
import { signVote } from "../helpers/validators.ts";

const BLOCK_HASH = `0x${"ab".repeat(32)}` as Hex;
const PARENT_HASH = `0x${"cd".repeat(32)}` as Hex;

function precommit(height: number, blockHash: Hex, key: Hex, validator: Hex): Vote {
  return signVote(CHAIN_ID, key, { type: VoteType.Precommit, height, round: 0, blockHash, validator });
}

function commitOf(height: number, blockHash: Hex): Commit {
  const signatures = [val1, val2].map((w) => {
    const { validator, signature } = precommit(height, blockHash, w.privateKey as Hex, addr(w));
    return { validator, signature };
  });
  return { height, round: 0, blockHash, signatures };
}

/** Only what recoverPrecommitSigners reads of a block: its lastCommit. */
function item(commit: Commit, lastCommit: Commit | null): { block: Block; commit: Commit } {
  return { block: { lastCommit } as Block, commit };
}

function backendKey(job: RecoveryJob): Uint8Array | null {
  try {
    return secp256k1Backend.recoverPublicKey(job.digest, job.compact, job.recoveryId);
  } catch {
    return null;
  }
}

/** Recovery on this thread with the node's backend, counting the signatures it was given. */
function inlineRecovery(): KeyRecovery & { jobs: number } {
  const recovery = {
    jobs: 0,
    recover(jobs: readonly RecoveryJob[]) {
      recovery.jobs += jobs.length;
      return { keys: Promise.resolve().then(() => jobs.map(backendKey)), takeBack: () => false };
    },
    async close() {},
  };
  return recovery;
}

/** A thread that has started nothing yet: every batch can be taken back; counts what it was left. */
function idleThread(): KeyRecovery & { kept: number } {
  const recovery = {
    kept: 0,
    recover(jobs: readonly RecoveryJob[]) {
      let settle: (keys: (Uint8Array | null)[]) => void = () => {};
      const keys = new Promise<(Uint8Array | null)[]>((resolve) => {
        settle = resolve;
      });
      let taken = false;
      recovery.kept += jobs.length;
      return {
        keys,
        takeBack(recoverHere: (job: RecoveryJob) => Uint8Array | null) {
          if (taken) return false;
          taken = true;
          recovery.kept -= jobs.length;
          settle(jobs.map(recoverHere));
          return true;
        },
      };
    },
    async close() {},
  };
  return recovery;
}

describe("sync: signature recovery on a thread of its own", () => {
  it("the worker recovers the key the native backend does, null where none recovers, and refuses after close", async () => {
    const recovery = startKeyRecoveryWorker();
    const digest = keccak256(Uint8Array.of(1, 2, 3));
    const sig = hexToBytes(signDigest(digest, val1.privateKey as Hex), 65);
    const job = { digest, compact: sig.subarray(0, 64), recoveryId: (sig[64] as number) - 27 };
    const [key, none] = await recovery.recover([job, { digest, compact: new Uint8Array(64), recoveryId: 0 }])
      .keys;
    assert.deepEqual(key, secp256k1Backend.recoverPublicKey(job.digest, job.compact, job.recoveryId));
    assert.equal(none, null, "r = s = 0 recovers no key");
    assert.deepEqual(await recovery.recover([]).keys, []);
    await recovery.close();
    await assert.rejects(recovery.recover([job]).keys, /closed/);
  });

  it("hands the thread two batches at a time; one it has not been handed is taken back and recovered here", async () => {
    const recovery = startKeyRecoveryWorker();
    try {
      const digest = keccak256(Uint8Array.of(4, 5, 6));
      const sig = hexToBytes(signDigest(digest, val2.privateKey as Hex), 65);
      const job = { digest, compact: sig.subarray(0, 64), recoveryId: (sig[64] as number) - 27 };
      const batches = [1, 2, 3, 4].map(() => recovery.recover([job]));
      let here = 0;
      const recoverHere = (j: RecoveryJob) => {
        here++;
        return backendKey(j);
      };
      assert.equal(batches[0]?.takeBack(recoverHere), false, "the first two are with the thread");
      assert.equal(batches[1]?.takeBack(recoverHere), false);
      assert.equal(batches[3]?.takeBack(recoverHere), true, "the fourth waits in the queue");
      assert.equal(batches[3]?.takeBack(recoverHere), false, "and is taken back once");
      assert.equal(here, 1);
      const expected = backendKey(job);
      for (const batch of batches) assert.deepEqual(await batch.keys, [expected]);
    } finally {
      await recovery.close();
    }
  });

  it("ready() recovers here what the thread has not started, so nothing is recovered twice", async () => {
    const commit = commitOf(5, BLOCK_HASH);
    const recovery = idleThread();
    const { signers } = recoverPrecommitSigners(CHAIN_ID, [item(commit, null)], recovery);
    assert.equal(recovery.kept, 2);
    await signers.ready();
    assert.equal(recovery.kept, 0, "every batch was taken back");
    for (const sig of commit.signatures) {
      const vote: Vote = { type: VoteType.Precommit, height: 5, round: 0, blockHash: BLOCK_HASH, ...sig };
      assert.equal(signers.voteSigner(CHAIN_ID, vote), sig.validator);
    }
  });

  it("answers every precommit of the commits and lastCommits as the node's verifier does", async () => {
    const commit = commitOf(5, BLOCK_HASH);
    const lastCommit = commitOf(4, PARENT_HASH);
    const recovery = inlineRecovery();
    const { signers, recovered } = recoverPrecommitSigners(CHAIN_ID, [item(commit, lastCommit)], recovery);
    const [first] = commit.signatures;
    assert.ok(first);
    const firstVote: Vote = {
      type: VoteType.Precommit,
      height: 5,
      round: 0,
      blockHash: BLOCK_HASH,
      ...first,
    };
    assert.equal(signers.voteSigner(CHAIN_ID, firstVote), undefined, "unknown until the thread answers");
    await recovered;
    assert.equal(recovery.jobs, 4);
    for (const c of [commit, lastCommit]) {
      for (const sig of c.signatures) {
        const vote: Vote = {
          type: VoteType.Precommit,
          height: c.height,
          round: c.round,
          blockHash: c.blockHash,
          ...sig,
        };
        assert.equal(signers.voteSigner(CHAIN_ID, vote), sig.validator);
        assert.equal(signers.voteSigner(CHAIN_ID, vote), secp256k1Verifier.voteSigner(CHAIN_ID, vote));
        // The same signature over another block, round or chain is not what was recovered.
        assert.equal(signers.voteSigner(CHAIN_ID, { ...vote, round: 1 }), undefined);
        assert.equal(signers.voteSigner(CHAIN_ID + 1n, vote), undefined);
        assert.equal(signers.voteSigner(CHAIN_ID, { ...vote, type: VoteType.Prevote }), undefined);
      }
    }
  });

  it("holds a signature that recovers another signer, or none, or breaks a rule as the verifier judges it", async () => {
    const commit = commitOf(5, BLOCK_HASH);
    const [good] = commit.signatures;
    assert.ok(good);
    // Signed for height 6, presented for 5: it recovers someone, not val1.
    const other = precommit(6, BLOCK_HASH, val1.privateKey as Hex, addr(val1)).signature;
    // High s: the same signature in its malleable form, which the node refuses though the curve accepts it.
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const s = BigInt(`0x${good.signature.slice(66, 130)}`);
    const v = Number.parseInt(good.signature.slice(130), 16);
    const highS =
      `${good.signature.slice(0, 66)}${(n - s).toString(16).padStart(64, "0")}${(v === 27 ? 28 : 27).toString(16)}` as Hex;
    const zero = `0x${"00".repeat(64)}1b` as Hex;
    const badV = `${good.signature.slice(0, 130)}1d` as Hex;
    const tampered: Commit = {
      ...commit,
      signatures: [other, highS, zero, badV].map((signature) => ({ validator: addr(val1), signature })),
    };
    const { signers, recovered } = recoverPrecommitSigners(
      CHAIN_ID,
      [item(tampered, null)],
      inlineRecovery(),
    );
    await recovered;
    for (const sig of tampered.signatures) {
      const vote: Vote = { type: VoteType.Precommit, height: 5, round: 0, blockHash: BLOCK_HASH, ...sig };
      const expected = secp256k1Verifier.voteSigner(CHAIN_ID, vote);
      assert.notEqual(expected, addr(val1));
      const answer = signers.voteSigner(CHAIN_ID, vote);
      // A v outside {27, 28} is left to the chain's verifier (undefined); the others are answered here.
      if (sig.signature === badV) assert.equal(answer, undefined);
      else assert.equal(answer, expected, sig.signature);
    }
  });

  it("leaves what a failed recovery held unknown, so the chain recovers it itself", async () => {
    const failing: KeyRecovery = {
      recover: () => ({ keys: Promise.reject(new Error("thread gone")), takeBack: () => false }),
      async close() {},
    };
    const commit = commitOf(1, BLOCK_HASH);
    const { signers, recovered } = recoverPrecommitSigners(CHAIN_ID, [item(commit, null)], failing);
    await assert.rejects(recovered, /thread gone/);
    for (const sig of commit.signatures) {
      const vote: Vote = { type: VoteType.Precommit, height: 1, round: 0, blockHash: BLOCK_HASH, ...sig };
      assert.equal(signers.voteSigner(CHAIN_ID, vote), undefined);
    }
  });
});
