import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createCachingVerifier } from "../../node/consensus/cachingVerifier.ts";
import { verifyCommit } from "../../node/consensus/commitVerification.ts";
import { createEngine } from "../../node/consensus/engine.ts";
import type { EngineAction, MessageVerifier, TimeoutConfig } from "../../node/consensus/messages.ts";
import { secp256k1Verifier } from "../../node/consensus/verifier.ts";
import { bytesToHex, type Hex, keccak256, VoteType } from "../../node/crypto/index.ts";
import type { Vote } from "../../node/types/shapes.ts";
import { signProposal, signVote, testValidators, validatorSetOf } from "../helpers/validators.ts";

const CHAIN_ID = 77n;
const HEIGHT = 3;
const TIMEOUTS: TimeoutConfig = {
  proposeMs: 1000,
  proposeDeltaMs: 500,
  prevoteMs: 300,
  prevoteDeltaMs: 100,
  precommitMs: 400,
  precommitDeltaMs: 200,
  commitMs: 1000,
};

/** secp256k1Verifier that counts its recoveries per signature. */
function countingVerifier(): { verifier: MessageVerifier; counts: Map<Hex, number>; total: () => number } {
  const counts = new Map<Hex, number>();
  const count = (signature: Hex) => counts.set(signature, (counts.get(signature) ?? 0) + 1);
  return {
    counts,
    total: () => [...counts.values()].reduce((a, b) => a + b, 0),
    verifier: {
      voteSigner(chainId, vote) {
        count(vote.signature);
        return secp256k1Verifier.voteSigner(chainId, vote);
      },
      proposalSigner(chainId, proposal) {
        count(proposal.signature);
        return secp256k1Verifier.proposalSigner(chainId, proposal);
      },
    },
  };
}

const vals = testValidators([10n, 10n, 10n, 10n]);
const set = validatorSetOf(vals);
const blockHash = bytesToHex(keccak256(new TextEncoder().encode("A")));
const voteOf = (i: number, type: VoteType, hash: Hex | null = blockHash, round = 0): Vote => {
  const v = vals[i];
  if (!v) throw new Error(`no validator ${i}`);
  return signVote(CHAIN_ID, v.key, { type, height: HEIGHT, round, blockHash: hash, validator: v.address });
};

describe("caching verifier", () => {
  it("recovers each signature once and answers as the verifier it wraps, bad signatures included", () => {
    const inner = countingVerifier();
    const verifier = createCachingVerifier({ capacity: 10 }, { inner: inner.verifier });
    const vote = voteOf(0, VoteType.Prevote);
    assert.equal(verifier.voteSigner(CHAIN_ID, vote), vals[0]?.address);
    assert.equal(verifier.voteSigner(CHAIN_ID, { ...vote }), vals[0]?.address);
    assert.equal(inner.total(), 1);
    // The same signature over another message (another chain, value or type) is another entry.
    assert.equal(verifier.voteSigner(CHAIN_ID + 1n, vote) === vals[0]?.address, false);
    assert.equal(verifier.voteSigner(CHAIN_ID, { ...vote, blockHash: null }) === vals[0]?.address, false);
    assert.equal(
      verifier.voteSigner(CHAIN_ID, { ...vote, type: VoteType.Precommit }) === vals[0]?.address,
      false,
    );
    assert.equal(inner.total(), 4);
    const forged: Vote = { ...vote, signature: `0x${"00".repeat(65)}` };
    assert.equal(verifier.voteSigner(CHAIN_ID, forged), null);
    assert.equal(verifier.voteSigner(CHAIN_ID, forged), null);
    assert.equal(inner.counts.get(forged.signature), 1);

    const p = vals[1];
    if (!p) throw new Error("no validator");
    const proposal = signProposal(CHAIN_ID, p.key, {
      height: HEIGHT,
      round: 0,
      polRound: -1,
      blockHash,
      proposer: p.address,
    });
    assert.equal(verifier.proposalSigner(CHAIN_ID, proposal), p.address);
    assert.equal(verifier.proposalSigner(CHAIN_ID, proposal), p.address);
    assert.equal(inner.counts.get(proposal.signature), 1);
    assert.equal(
      verifier.proposalSigner(CHAIN_ID, { ...proposal, polRound: 0, round: 1 }) === p.address,
      false,
    );
  });

  it("stays bounded: beyond its capacity the oldest signature is forgotten", () => {
    const inner = countingVerifier();
    const verifier = createCachingVerifier({ capacity: 2 }, { inner: inner.verifier });
    const [a, b, c] = [0, 1, 2].map((i) => voteOf(i, VoteType.Prevote)) as [Vote, Vote, Vote];
    for (const vote of [a, b, c, c, b]) verifier.voteSigner(CHAIN_ID, vote);
    assert.equal(inner.total(), 3);
    assert.equal(verifier.voteSigner(CHAIN_ID, a), vals[0]?.address);
    assert.equal(inner.counts.get(a.signature), 2, "the first one was forgotten");
    assert.throws(() => createCachingVerifier({ capacity: 0 }, { inner: inner.verifier }), RangeError);
  });
});

describe("each signature is verified once per node", () => {
  it("a vote already counted is not verified again by the engine", () => {
    const inner = countingVerifier();
    const engine = createEngine<string>({
      chainId: CHAIN_ID,
      self: null,
      timeouts: TIMEOUTS,
      verifier: inner.verifier,
    });
    engine.handle({ kind: "startHeight", height: HEIGHT, validators: set });
    const vote = voteOf(0, VoteType.Prevote);
    for (let i = 0; i < 3; i++) engine.handle({ kind: "vote", vote });
    assert.equal(inner.counts.get(vote.signature), 1);
    // Another value of the same validator is a new vote (evidence): it is verified.
    const other = voteOf(0, VoteType.Prevote, null);
    const actions = engine.handle({ kind: "vote", vote: other });
    assert.equal(inner.counts.get(other.signature), 1);
    assert.deepEqual(
      actions.map((a) => a.kind),
      ["evidence"],
    );
  });

  it("gossip validation, the engine, catch-up and the commit check share one verifier: one recovery per message", () => {
    const inner = countingVerifier();
    const verifier = createCachingVerifier({ capacity: 1_000 }, { inner: inner.verifier });
    const engine = createEngine<string>({ chainId: CHAIN_ID, self: null, timeouts: TIMEOUTS, verifier });
    engine.handle({ kind: "startHeight", height: HEIGHT, validators: set });
    const proposer = vals.find((v) => v.address === set.proposer(0));
    if (!proposer) throw new Error("no proposer");
    const proposal = signProposal(CHAIN_ID, proposer.key, {
      height: HEIGHT,
      round: 0,
      polRound: -1,
      blockHash,
      proposer: proposer.address,
    });
    const actions: EngineAction<string>[] = [];
    // What the gossip validator does before the message reaches the engine; catch-up then delivers it again.
    assert.equal(verifier.proposalSigner(CHAIN_ID, proposal), proposer.address);
    for (let i = 0; i < 2; i++) actions.push(...engine.handle({ kind: "proposal", proposal, block: "A" }));
    actions.push(...engine.handle({ kind: "blockVerdict", blockHash, valid: true }));
    const votes = [0, 1, 2, 3].flatMap((i) => [voteOf(i, VoteType.Prevote), voteOf(i, VoteType.Precommit)]);
    for (const vote of votes) {
      assert.equal(verifier.voteSigner(CHAIN_ID, vote), vote.validator, "accepted by gossip validation");
      actions.push(...engine.handle({ kind: "vote", vote }));
    }
    for (const vote of votes) actions.push(...engine.handle({ kind: "vote", vote }));
    const commit = actions.find((a) => a.kind === "commit");
    assert.ok(commit?.kind === "commit", "decided");
    // The next block's lastCommit (or block sync's certificate) carries precommits this node already verified.
    assert.equal(verifyCommit(commit.commit, set, CHAIN_ID, verifier).ok, true);
    assert.equal(inner.total(), votes.length + 1);
    for (const message of [proposal, ...votes]) assert.equal(inner.counts.get(message.signature), 1);
  });
});
