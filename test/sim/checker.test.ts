import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Address, VoteType } from "../../node/crypto/index.ts";
import type { Commit } from "../../node/types/shapes.ts";
import { blockHash, GENESIS_PARENT, makeBlock, POISON_PREFIX, type SimBlock } from "./block.ts";
import { type CheckInput, check, type ViolationKind } from "./checker.ts";
import { poolKey } from "./keys.ts";
import type { CommitRecord, ReplicaId } from "./observer.ts";
import type { Observations } from "./recorder.ts";
import { createScheme } from "./signing.ts";

/** Each kind of violation, planted in otherwise clean observations, must be reported. */
const scheme = createScheme("fast", 77n);
const keys = [0, 1, 2, 3].map(poolKey);
const addresses = keys.map((k) => scheme.register(k));
const id = (node: number, honest = true): ReplicaId => ({ node, label: `n${node}`, honest });

function certificate(block: SimBlock, signers: number[], round = 0): Commit {
  const hash = blockHash(block);
  return {
    height: block.height,
    round,
    blockHash: hash,
    signatures: signers.map((i) => {
      const vote = scheme.signVote(keys[i] as `0x${string}`, {
        type: VoteType.Precommit,
        height: block.height,
        round,
        blockHash: hash,
        validator: addresses[i] as Address,
      });
      return { validator: vote.validator, signature: vote.signature };
    }),
  };
}

function commitBy(node: number, block: SimBlock, signers = [0, 1, 2]): CommitRecord {
  return {
    by: id(node),
    height: block.height,
    blockHash: blockHash(block),
    block,
    commit: certificate(block, signers),
    timeMs: 1,
  };
}

function observe(commits: CommitRecord[], proposed: SimBlock[]): Observations {
  return {
    commits,
    evidence: [],
    honestVotes: [],
    honestProposals: [],
    heardVotes: [],
    proposedBlocks: new Map(proposed.map((b) => [blockHash(b), b])),
    crashes: [],
    anomalies: [],
  };
}

const input: CheckInput = {
  chainId: 77n,
  verifier: scheme.verifier,
  power: new Map(addresses.map((a) => [a, 10n])),
  honestAddresses: new Set(addresses.slice(0, 3)),
  targetHeight: 1,
  finalHeights: new Map([
    ["n0", 1],
    ["n1", 1],
  ]),
  deadlineMs: 1_000,
  reachedTarget: true,
  evidenceAge: 2,
};

const blockA = makeBlock({
  height: 1,
  parentHash: GENESIS_PARENT,
  proposer: addresses[0] as Address,
  payload: "a",
});
const blockB = makeBlock({
  height: 1,
  parentHash: GENESIS_PARENT,
  proposer: addresses[1] as Address,
  payload: "b",
});
const kinds = (obs: Observations, overrides: Partial<CheckInput> = {}): ViolationKind[] =>
  check({ ...input, ...overrides }, obs).map((v) => v.kind);

describe("checker", () => {
  it("accepts a clean run", () => {
    assert.deepEqual(kinds(observe([commitBy(0, blockA), commitBy(1, blockA)], [blockA])), []);
  });

  it("reports two honest nodes committing different blocks at one height", () => {
    assert.deepEqual(kinds(observe([commitBy(0, blockA), commitBy(1, blockB)], [blockA, blockB])), [
      "agreement",
    ]);
  });

  it("ignores what byzantine replicas commit", () => {
    const byz = { ...commitBy(3, blockB), by: id(3, false) };
    assert.deepEqual(kinds(observe([commitBy(0, blockA), byz], [blockA, blockB])), []);
  });

  it("reports a certificate without more than 2/3 of the power, or with a forged signature", () => {
    assert.deepEqual(kinds(observe([commitBy(0, blockA, [0, 1])], [blockA])), ["certificate"]);
    const forged = commitBy(0, blockA);
    const sigs = forged.commit.signatures.map((s, i) =>
      i === 0 ? { ...s, validator: addresses[3] as Address } : s,
    );
    assert.deepEqual(
      kinds(observe([{ ...forged, commit: { ...forged.commit, signatures: sigs } }], [blockA])),
      ["certificate"],
    );
  });

  it("reports a committed block that was never proposed or that the application rejects", () => {
    assert.deepEqual(kinds(observe([commitBy(0, blockA)], [])), ["validity"]);
    const poisoned = makeBlock({ ...blockA, payload: `${POISON_PREFIX}x` });
    assert.deepEqual(kinds(observe([commitBy(0, poisoned)], [poisoned])), ["validity"]);
  });

  it("reports an honest double sign and evidence against an honest validator", () => {
    const obs = observe([], []);
    const vote = (blockHashValue: `0x${string}` | null) =>
      scheme.signVote(keys[0] as `0x${string}`, {
        type: VoteType.Prevote,
        height: 1,
        round: 0,
        blockHash: blockHashValue,
        validator: addresses[0] as Address,
      });
    const [a, b] = [vote(blockHash(blockA)), vote(null)];
    obs.honestVotes.push({ by: id(0), vote: a }, { by: id(0), vote: b });
    obs.evidence.push({ by: id(1), evidence: { voteA: a, voteB: b }, timeMs: 1 });
    assert.deepEqual(kinds(obs), ["doubleSign", "falseEvidence"]);
  });

  it("reports honest nodes short of the target when the run hit its deadline", () => {
    const obs = observe([commitBy(0, blockA)], [blockA]);
    const v = check({ ...input, targetHeight: 2, reachedTarget: false }, obs);
    assert.deepEqual(
      v.map((x) => [x.kind, x.node]),
      [
        ["progress", "n0"],
        ["progress", "n1"],
      ],
    );
  });
});
