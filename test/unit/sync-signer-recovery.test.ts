import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Transaction } from "ethers";
import { senderSignature } from "../../node/app/index.ts";
import { secp256k1Verifier } from "../../node/consensus/verifier.ts";
import {
  bytesToHex,
  type Hex,
  hexToBytes,
  keccak256,
  secp256k1Backend,
  signDigest,
  VoteType,
} from "../../node/crypto/index.ts";
import {
  type KeyRecovery,
  madeJobs,
  type RecoveryJob,
  type RecoveryJobs,
  startKeyRecoveryWorker,
} from "../../node/sync/keyRecoveryWorker.ts";
import { recoverRangeSigners } from "../../node/sync/recoveredSigners.ts";
import type { Block, Commit, Vote } from "../../node/types/index.ts";
import { addr, alice, bob, CHAIN_ID, carol, signTx, testApp, val1, val2 } from "../helpers/appFixture.ts";
import { highSTwin } from "../helpers/highS.ts";
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

/** Only what recoverRangeSigners reads of a block: its lastCommit. */
function item(commit: Commit, lastCommit: Commit | null): { block: Block; commit: Commit } {
  return { block: { lastCommit } as Block, commit };
}

/** A recovery job for `key`'s signature over keccak256(`message`). */
function signedJob(message: Uint8Array, key: Hex): RecoveryJob {
  const digest = keccak256(message);
  const sig = hexToBytes(signDigest(digest, key), 65);
  return { digest, compact: sig.subarray(0, 64), recoveryId: (sig[64] as number) - 27 };
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
    recover(jobs: RecoveryJobs) {
      const made = madeJobs(jobs);
      recovery.jobs += made.length;
      return {
        keys: Promise.resolve().then(() => made.map(backendKey)),
        takeBack: () => false,
        withdraw: () => false,
      };
    },
    async close() {},
  };
  return recovery;
}

/** A thread that has started nothing yet: every batch can be taken back; counts what it was left. */
function idleThread(): KeyRecovery & { kept: number } {
  const recovery = {
    kept: 0,
    recover(jobs: RecoveryJobs) {
      let settle: (keys: (Uint8Array | null)[]) => void = () => {};
      const keys = new Promise<(Uint8Array | null)[]>((resolve) => {
        settle = resolve;
      });
      let taken = false;
      const made = madeJobs(jobs);
      recovery.kept += made.length;
      const take = () => {
        if (taken) return false;
        taken = true;
        recovery.kept -= made.length;
        return true;
      };
      return {
        keys,
        takeBack(recoverHere: (job: RecoveryJob) => Uint8Array | null) {
          if (!take()) return false;
          settle(made.map(recoverHere));
          return true;
        },
        withdraw() {
          if (!take()) return false;
          settle([]);
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
    const job = signedJob(Uint8Array.of(1, 2, 3), val1.privateKey as Hex);
    const [key, none] = await recovery.recover([
      job,
      { digest: job.digest, compact: new Uint8Array(64), recoveryId: 0 },
    ]).keys;
    assert.deepEqual(key, secp256k1Backend.recoverPublicKey(job.digest, job.compact, job.recoveryId));
    assert.equal(none, null, "r = s = 0 recovers no key");
    assert.deepEqual(await recovery.recover([]).keys, []);
    await recovery.close();
    await assert.rejects(recovery.recover([job]).keys, /closed/);
  });

  it("closes after the batch the thread is in, not inside it: its batches are refused and close() ends once", async () => {
    const recovery = startKeyRecoveryWorker();
    const job = signedJob(Uint8Array.of(3, 1, 4), val1.privateKey as Hex);
    const batches = [1, 2, 3].map(() => recovery.recover(Array.from({ length: 500 }, () => job)));
    const refused = batches.map((batch) => assert.rejects(batch.keys, /closed/));
    const closing = recovery.close();
    assert.equal(recovery.close(), closing, "one close, however often asked");
    await closing;
    await Promise.all(refused);
  });

  it("hands the thread two batches at a time; one it has not been handed is taken back and recovered here", async () => {
    const recovery = startKeyRecoveryWorker();
    try {
      const job = signedJob(Uint8Array.of(4, 5, 6), val2.privateKey as Hex);
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

  it("makes a batch's jobs only when it reaches the thread; a batch withdrawn before that is never made", async () => {
    const recovery = startKeyRecoveryWorker();
    try {
      const job = signedJob(Uint8Array.of(7, 8, 9), val1.privateKey as Hex);
      const made: number[] = [];
      const batches = [0, 1, 2, 3].map((i) =>
        recovery.recover(() => {
          made.push(i);
          return [job];
        }),
      );
      assert.deepEqual(made, [0, 1], "the two the thread holds");
      assert.equal(batches[0]?.withdraw(), false, "one the thread holds stays with it");
      assert.equal(batches[3]?.withdraw(), true);
      assert.deepEqual(await batches[3]?.keys, [], "a withdrawn batch recovers nothing");
      const expected = backendKey(job);
      for (const batch of batches.slice(0, 3)) assert.deepEqual(await batch.keys, [expected]);
      assert.deepEqual(made, [0, 1, 2], "the withdrawn batch's jobs were never made");
      assert.deepEqual(await recovery.recover(() => []).keys, [], "nothing to recover is answered at once");
    } finally {
      await recovery.close();
    }
  });

  it("ready() recovers here what the thread has not started, so nothing is recovered twice", async () => {
    const commit = commitOf(5, BLOCK_HASH);
    const recovery = idleThread();
    const { signers } = recoverRangeSigners(CHAIN_ID, [item(commit, null)], recovery);
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
    const { signers, recovered } = recoverRangeSigners(CHAIN_ID, [item(commit, lastCommit)], recovery);
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
    const { signers, recovered } = recoverRangeSigners(CHAIN_ID, [item(tampered, null)], inlineRecovery());
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

  it("answers a transaction's sender as the application recovers it; a signature copied onto other bytes inherits nothing", async () => {
    const signed = Transaction.from(bytesToHex(await signTx(alice, { to: addr(bob), value: 5n, nonce: 3 })));
    const copied = signed.clone();
    copied.value = 6n;
    const highS = await signTx(bob, { to: addr(alice), nonce: 0 });
    const txs = [
      hexToBytes(signed.serialized),
      hexToBytes(copied.serialized),
      await signTx(bob, { to: addr(alice), nonce: 1, type: 0 }),
      // The same payload as the first, so the same digest, signed by another sender.
      await signTx(bob, { to: addr(bob), value: 5n, nonce: 3 }),
      highSTwin(highS),
      Uint8Array.of(0x02, 0xc0),
    ];
    const block = { header: { height: 1 }, lastCommit: null, txs } as unknown as Block;
    /** Signers of this block, its senders recovered (each is answered once: the decoding is cached). */
    const recovered = async () => {
      const recovery = inlineRecovery();
      const range = [{ block, commit: commitOf(1, BLOCK_HASH) }];
      const { signers } = recoverRangeSigners(CHAIN_ID, range, recovery, senderSignature);
      await signers.ready();
      await signers.blockDue(1);
      assert.equal(recovery.jobs, 2 + 5, "the commit's two, and every transaction with a signature");
      return signers;
    };
    const signers = await recovered();
    const decoding = await recovered();
    const outcome = (decode: () => { from: string }) => {
      try {
        return decode().from;
      } catch (err) {
        return String(err);
      }
    };
    const answers = txs.map((raw) => {
      const ahead = senderSignature(raw);
      return ahead === null ? undefined : signers.txSigner(ahead.digest, ahead.signature);
    });
    txs.forEach((raw, i) => {
      const inline = outcome(() => testApp().decodeTx(raw));
      assert.equal(
        outcome(() => testApp().decodeTx(raw, decoding.txSigner)),
        inline,
        "decoding with the recovered signers decodes as without",
      );
      if (senderSignature(raw) === null) return;
      if (inline.startsWith("0x")) assert.equal(answers[i], inline);
      else assert.equal(answers[i], null, "a signature that does not pass recovers nothing");
    });
    const [original, copy, , samePayload] = txs.map((raw) => senderSignature(raw));
    assert.ok(original && copy && samePayload);
    assert.equal(answers[0], addr(alice));
    assert.equal(bytesToHex(samePayload.digest), bytesToHex(original.digest));
    assert.equal(answers[3], addr(bob), "the same digest signed by another sender");
    assert.equal(copy.signature, original.signature);
    assert.notEqual(answers[1], addr(alice), "a copied signature");
    // The digest of one with the signature of another was never recovered.
    const other = senderSignature(txs[2] as Uint8Array);
    assert.ok(other);
    assert.equal(signers.txSigner(original.digest, other.signature), undefined);
  });

  it("hands the senders over when the range is due; blockDue() withdraws those the thread has not been handed and awaits the others", async () => {
    const blockOf = (height: number, txs: Uint8Array[]) =>
      ({
        block: { header: { height }, lastCommit: null, txs },
        commit: commitOf(height, BLOCK_HASH),
      }) as unknown as {
        block: Block;
        commit: Commit;
      };
    const senders = [alice, bob, alice, bob];
    const txs = await Promise.all(senders.map((w, i) => signTx(w, { to: addr(carol), nonce: i })));
    const recovery = startKeyRecoveryWorker();
    try {
      const { signers } = recoverRangeSigners(
        CHAIN_ID,
        txs.map((tx, i) => blockOf(i + 1, [tx])),
        recovery,
        senderSignature,
      );
      const signerOf = (raw: Uint8Array) => {
        const ahead = senderSignature(raw);
        assert.ok(ahead);
        return signers.txSigner(ahead.digest, ahead.signature);
      };
      await signers.blockDue(2);
      assert.equal(signerOf(txs[1] as Uint8Array), undefined, "not handed over before the range is due");
      // The commits are one batch, with the thread; of the four senders' pieces the first joins it, the rest wait.
      await signers.ready();
      await signers.blockDue(4);
      await signers.blockDue(1);
      assert.equal(signerOf(txs[0] as Uint8Array), addr(alice), "awaited on the thread");
      assert.equal(signerOf(txs[0] as Uint8Array), undefined, "and answered once: the decoding is cached");
      assert.equal(signerOf(txs[3] as Uint8Array), undefined, "withdrawn: left to the application");
    } finally {
      await recovery.close();
    }
  });

  it("hands a range's senders over once, however often ready() is called", async () => {
    const txs = [
      await signTx(alice, { to: addr(bob), nonce: 0 }),
      await signTx(bob, { to: addr(alice), nonce: 0 }),
    ];
    const block = { header: { height: 1 }, lastCommit: null, txs } as unknown as Block;
    const thread = idleThread();
    let batches = 0;
    const recovery: KeyRecovery = {
      recover(jobs) {
        batches++;
        return thread.recover(jobs);
      },
      close: () => thread.close(),
    };
    const { signers } = recoverRangeSigners(
      CHAIN_ID,
      [{ block, commit: commitOf(1, BLOCK_HASH) }],
      recovery,
      senderSignature,
    );
    assert.equal(thread.kept, 2, "the commit's signatures; no sender before the range is due");
    await signers.ready();
    assert.equal(thread.kept, 2, "the commit's taken back, the two senders handed over");
    assert.equal(batches, 2);
    await signers.ready();
    assert.equal(batches, 2, "no second piece of the same senders");
  });

  it("leaves what a failed recovery held unknown, so the chain recovers it itself", async () => {
    const failing: KeyRecovery = {
      recover: () => ({
        keys: Promise.reject(new Error("thread gone")),
        takeBack: () => false,
        withdraw: () => false,
      }),
      async close() {},
    };
    const commit = commitOf(1, BLOCK_HASH);
    const { signers, recovered } = recoverRangeSigners(CHAIN_ID, [item(commit, null)], failing);
    await assert.rejects(recovered, /thread gone/);
    for (const sig of commit.signatures) {
      const vote: Vote = { type: VoteType.Precommit, height: 1, round: 0, blockHash: BLOCK_HASH, ...sig };
      assert.equal(signers.voteSigner(CHAIN_ID, vote), undefined);
    }
  });
});
