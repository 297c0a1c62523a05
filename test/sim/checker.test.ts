import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { makeEvidence } from "../../node/consensus/voteSet.ts";
import { type Address, type Hex, VoteType } from "../../node/crypto/index.ts";
import type { Commit, DuplicateVoteEvidence, Vote } from "../../node/types/shapes.ts";
import { blockHash, GENESIS_PARENT, makeBlock, POISON_PREFIX, type SimBlock } from "./block.ts";
import { type CheckInput, check, doubleSignsSeen, type ViolationKind } from "./checker.ts";
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

/** A vote of validator `signer`, signed with `key` (the same one unless forging). */
function prevote(signer: number, height: number, hash: Hex | null, key = signer): Vote {
  return scheme.signVote(keys[key] as Hex, {
    type: VoteType.Prevote,
    height,
    round: 0,
    blockHash: hash,
    validator: addresses[signer] as Address,
  });
}

/** Heights 1..n, each block carrying the evidence listed for its height, committed by n0 and n1. */
function chainOf(
  n: number,
  evidenceAt: ReadonlyMap<number, DuplicateVoteEvidence[]> = new Map(),
): Observations {
  const blocks: SimBlock[] = [];
  for (let h = 1; h <= n; h++) {
    const parentHash = h === 1 ? GENESIS_PARENT : blockHash(blocks[h - 2] as SimBlock);
    const proposer = addresses[h % 3] as Address;
    blocks.push(
      makeBlock({ height: h, parentHash, proposer, payload: `h${h}`, evidence: evidenceAt.get(h) }),
    );
  }
  return observe(
    blocks.flatMap((b) => [commitBy(0, b), commitBy(1, b)]),
    blocks,
  );
}

describe("checker: double signs and evidence", () => {
  // Validator 3 is the byzantine one: two prevotes at height 1, both heard by honest n0.
  const a = prevote(3, 1, blockHash(blockA));
  const b = prevote(3, 1, null);
  const seen = (obs: Observations): Observations => {
    obs.heardVotes.push({ by: id(0), vote: a, timeMs: 5 }, { by: id(0), vote: b, timeMs: 6 });
    return obs;
  };
  const age = input.evidenceAge;

  it("finds a double sign only where one honest node heard both votes", () => {
    const split = chainOf(1);
    split.heardVotes.push({ by: id(0), vote: a, timeMs: 5 }, { by: id(1), vote: b, timeMs: 6 });
    assert.deepEqual(doubleSignsSeen(split), []);
    assert.deepEqual(
      doubleSignsSeen(seen(chainOf(1))).map((d) => [d.validator, d.height, d.seenBy]),
      [[addresses[3], 1, "n0"]],
    );
  });

  it("reports a double sign not punished within the evidence age once the chain got that far", () => {
    assert.deepEqual(kinds(seen(chainOf(1 + age))), ["evidenceMissing"]);
    // Punished too late: at the first height past the age.
    const late = new Map([[2 + age, [makeEvidence(a, b)]]]);
    assert.deepEqual(kinds(seen(chainOf(2 + age, late))), ["evidenceMissing"]);
  });

  it("accepts a double sign punished within the age, or one whose age has not run out", () => {
    assert.deepEqual(kinds(seen(chainOf(1 + age, new Map([[1 + age, [makeEvidence(a, b)]]])))), []);
    assert.deepEqual(kinds(seen(chainOf(age))), []);
  });

  it("reports a committed block carrying evidence against an honest validator", () => {
    // Validator 3 forges two votes of honest validator 0: the signatures are 3's.
    const forged = makeEvidence(prevote(0, 1, blockHash(blockA), 3), prevote(0, 1, null, 3));
    assert.deepEqual(kinds(chainOf(2, new Map([[2, [forged]]]))), ["slashedHonest"]);
  });

  it("reports committed evidence against a byzantine validator that its signatures do not prove", () => {
    const forged = makeEvidence(prevote(3, 1, blockHash(blockA), 2), prevote(3, 1, null, 2));
    assert.deepEqual(kinds(chainOf(2, new Map([[2, [forged]]]))), ["validity"]);
  });
});
