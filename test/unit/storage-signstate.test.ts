import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type Hex,
  keccak256,
  recoverSigner,
  type SignatureHex,
  signDigest,
  VoteType,
  voteDigest,
} from "../../node/crypto/index.ts";
import {
  DoubleSignError,
  openDatabase,
  type SignRequest,
  SignStateStore,
  SignStep,
  StorageError,
  signStepOfVote,
} from "../../node/storage/index.ts";
import { CHAIN_ID, KEY, openTempDb, VALIDATOR } from "../helpers/storageFixtures.ts";

const HASH_A = `0x${"aa".repeat(32)}` as Hex;
const HASH_B = `0x${"bb".repeat(32)}` as Hex;

function voteRequest(height: number, round: number, type: VoteType, blockHash: Hex | null): SignRequest {
  return {
    height,
    round,
    step: signStepOfVote(type),
    blockHash,
    digest: voteDigest({ chainId: CHAIN_ID, type, height, round, blockHash }),
  };
}

function proposalRequest(height: number, round: number, blockHash: Hex): SignRequest {
  return {
    height,
    round,
    step: SignStep.Propose,
    blockHash,
    digest: keccak256(new TextEncoder().encode(`proposal ${height}/${round}/${blockHash}`)),
  };
}

/** A signer that counts its calls, so tests can tell a fresh signature from a re-issued one. */
function countingSigner() {
  const calls: Uint8Array[] = [];
  const signer = (digest: Uint8Array): SignatureHex => {
    calls.push(digest);
    return signDigest(digest, KEY);
  };
  return { signer, calls };
}

function isDoubleSign(code: "regression" | "conflict") {
  return (err: unknown) => {
    assert.ok(err instanceof DoubleSignError, `expected DoubleSignError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return true;
  };
}

describe("storage: sign-state", () => {
  it("signs, persists before returning, and survives a reopen", async (t) => {
    const { db, dir } = await openTempDb(t);
    const store = await SignStateStore.open({ db });
    assert.equal(store.last, null);
    const { signer, calls } = countingSigner();
    const req = voteRequest(5, 1, VoteType.Prevote, HASH_A);
    const sig = await store.sign(req, signer);
    assert.equal(calls.length, 1);
    assert.equal(recoverSigner(req.digest, sig), VALIDATOR);
    // Already in the database when sign() resolved: a second reader over the same db sees it.
    const reader = await SignStateStore.open({ db });
    assert.deepEqual(reader.last, {
      height: 5,
      round: 1,
      step: SignStep.Prevote,
      blockHash: HASH_A,
      digest: `0x${Buffer.from(req.digest).toString("hex")}`,
      signature: sig,
    });
    await db.close();
    const reopened = await openDatabase(dir);
    t.after(() => reopened.close());
    const again = await SignStateStore.open({ db: reopened });
    assert.deepEqual(again.last, reader.last);
    // A restarted node asked for the same vote gets the same signature without signing again.
    const second = countingSigner();
    assert.equal(await again.sign(req, second.signer), sig);
    assert.equal(second.calls.length, 0);
    await assert.rejects(
      again.sign(voteRequest(5, 1, VoteType.Prevote, HASH_B), second.signer),
      isDoubleSign("conflict"),
    );
  });

  it("re-issues the stored signature for the same request, nil votes included", async (t) => {
    const { db } = await openTempDb(t);
    const store = await SignStateStore.open({ db });
    const { signer, calls } = countingSigner();
    const nil = voteRequest(3, 0, VoteType.Precommit, null);
    const first = await store.sign(nil, signer);
    assert.equal(await store.sign({ ...nil, digest: Uint8Array.from(nil.digest) }, signer), first);
    assert.equal(calls.length, 1);
  });

  it("refuses a conflicting value at the same height, round and step", async (t) => {
    const { db } = await openTempDb(t);
    const store = await SignStateStore.open({ db });
    const { signer, calls } = countingSigner();
    await store.sign(voteRequest(4, 2, VoteType.Prevote, HASH_A), signer);
    await assert.rejects(
      store.sign(voteRequest(4, 2, VoteType.Prevote, HASH_B), signer),
      isDoubleSign("conflict"),
    );
    await assert.rejects(
      store.sign(voteRequest(4, 2, VoteType.Prevote, null), signer),
      isDoubleSign("conflict"),
    );
    // Same block hash, different digest (e.g. another chain id): still a different message.
    const otherDigest = {
      ...voteRequest(4, 2, VoteType.Prevote, HASH_A),
      digest: keccak256(Uint8Array.of(1)),
    };
    await assert.rejects(store.sign(otherDigest, signer), isDoubleSign("conflict"));
    assert.equal(calls.length, 1, "a refused request never reaches the signer");
    assert.equal(store.last?.blockHash, HASH_A);
  });

  it("refuses to go back in height, round or step", async (t) => {
    const { db } = await openTempDb(t);
    const store = await SignStateStore.open({ db });
    const { signer } = countingSigner();
    await store.sign(voteRequest(10, 3, VoteType.Prevote, HASH_A), signer);
    await assert.rejects(
      store.sign(voteRequest(9, 5, VoteType.Precommit, HASH_A), signer),
      isDoubleSign("regression"),
    );
    await assert.rejects(
      store.sign(voteRequest(10, 2, VoteType.Precommit, HASH_A), signer),
      isDoubleSign("regression"),
    );
    await assert.rejects(store.sign(proposalRequest(10, 3, HASH_A), signer), isDoubleSign("regression"));
    assert.equal(store.last?.height, 10);
    assert.equal(store.last?.step, SignStep.Prevote);
  });

  it("allows every step forward: proposal, prevote, precommit, later rounds and heights", async (t) => {
    const { db } = await openTempDb(t);
    const store = await SignStateStore.open({ db });
    const { signer, calls } = countingSigner();
    const sequence = [
      proposalRequest(1, 0, HASH_A),
      voteRequest(1, 0, VoteType.Prevote, HASH_A),
      voteRequest(1, 0, VoteType.Precommit, null),
      voteRequest(1, 1, VoteType.Prevote, HASH_B),
      proposalRequest(1, 2, HASH_B),
      voteRequest(1, 2, VoteType.Precommit, HASH_B),
      voteRequest(2, 0, VoteType.Prevote, HASH_A),
    ];
    const sigs = [];
    for (const req of sequence) sigs.push(await store.sign(req, signer));
    assert.equal(calls.length, sequence.length);
    assert.equal(new Set(sigs).size, sequence.length);
    assert.deepEqual([store.last?.height, store.last?.round, store.last?.step], [2, 0, SignStep.Prevote]);
  });

  it("lets only one of two concurrent conflicting requests through", async (t) => {
    const { db } = await openTempDb(t);
    const store = await SignStateStore.open({ db });
    const slow = async (digest: Uint8Array): Promise<SignatureHex> => {
      await new Promise((resolve) => setImmediate(resolve));
      return signDigest(digest, KEY);
    };
    const results = await Promise.allSettled([
      store.sign(voteRequest(7, 0, VoteType.Precommit, HASH_A), slow),
      store.sign(voteRequest(7, 0, VoteType.Precommit, HASH_B), slow),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ["fulfilled", "rejected"],
    );
    const rejected = results[1];
    assert.ok(rejected?.status === "rejected" && rejected.reason instanceof DoubleSignError);
    assert.equal(store.last?.blockHash, HASH_A);
  });

  it("records nothing when signing fails or yields a malformed signature", async (t) => {
    const { db } = await openTempDb(t);
    const store = await SignStateStore.open({ db });
    const req = voteRequest(2, 0, VoteType.Prevote, HASH_A);
    await assert.rejects(
      store.sign(req, () => {
        throw new Error("hardware signer unplugged");
      }),
      /unplugged/,
    );
    await assert.rejects(
      store.sign(req, () => `0x${"11".repeat(64)}05` as SignatureHex),
      (err: unknown) =>
        err instanceof StorageError && err.code === "invalid-input" && /v must be 27 or 28/.test(err.message),
    );
    assert.equal(store.last, null);
    assert.equal((await SignStateStore.open({ db })).last, null);
    // Still free to sign it properly afterwards.
    const sig = await store.sign(req, countingSigner().signer);
    assert.equal((await SignStateStore.open({ db })).last?.signature, sig);
  });

  it("refuses malformed requests", async (t) => {
    const { db } = await openTempDb(t);
    const store = await SignStateStore.open({ db });
    const { signer, calls } = countingSigner();
    const ok = voteRequest(1, 0, VoteType.Prevote, HASH_A);
    const bad: SignRequest[] = [
      { ...ok, height: 0 },
      { ...ok, round: -1 },
      { ...ok, round: 1.5 },
      { ...ok, step: 4 as SignStep },
      { ...ok, digest: new Uint8Array(31) },
      { ...ok, blockHash: `0x${"00".repeat(32)}` },
      { ...ok, blockHash: "0xAB" as Hex },
      { ...proposalRequest(1, 0, HASH_A), blockHash: null },
    ];
    for (const req of bad) {
      await assert.rejects(
        store.sign(req, signer),
        (err: unknown) => err instanceof StorageError && err.code === "invalid-input",
      );
    }
    assert.equal(calls.length, 0);
    assert.equal(store.last, null);
  });
});
