import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { secp256k1Verifier } from "../../node/consensus/verifier.ts";
import { makeEvidence } from "../../node/consensus/voteSet.ts";
import { type Address, type Hex, VoteType } from "../../node/crypto/index.ts";
import {
  type EvidenceKeeper,
  EvidencePool,
  EvidenceService,
  type EvidenceServiceModules,
  evidenceProblem,
} from "../../node/evidence/index.ts";
import {
  type Block,
  type DuplicateVoteEvidence,
  decodeEvidence,
  encodeEvidence,
} from "../../node/types/index.ts";
import { signVote, testValidators, validatorSetOf } from "../helpers/validators.ts";

const CHAIN_ID = 77n;
const [alice, bob, carol] = testValidators([10n, 10n, 10n]) as [
  ReturnType<typeof testValidators>[number],
  ReturnType<typeof testValidators>[number],
  ReturnType<typeof testValidators>[number],
];
const SET = validatorSetOf([alice, bob, carol]);
const hashOf = (n: number) => `0x${n.toString(16).padStart(64, "0")}` as Hex;

function doubleSign(who: { key: Hex; address: Hex }, height: number, round = 0): DuplicateVoteEvidence {
  const vote = (blockHash: Hex) =>
    signVote(CHAIN_ID, who.key, {
      type: VoteType.Prevote,
      height,
      round,
      blockHash,
      validator: who.address as Address,
    });
  return makeEvidence(vote(hashOf(height * 2 + 1)), vote(hashOf(height * 2 + 2)));
}

const checkModules = (appProblem: (v: Address, h: number, at: number) => string | null = () => null) => ({
  setAt: async (height: number) => (height >= 1 ? SET : null),
  verifier: secp256k1Verifier,
  appProblem,
});

describe("evidence pool", () => {
  it("keeps one offence per validator and height, hands out the oldest first and one per offender", () => {
    const pool = new EvidencePool({ maxPending: 10, maxCommitted: 10 });
    assert.equal(pool.add(doubleSign(alice, 5)), "added");
    assert.equal(
      pool.add(doubleSign(alice, 5, 1)),
      "known",
      "another round of the same height is one offence",
    );
    assert.equal(pool.add(doubleSign(alice, 3)), "added");
    assert.equal(pool.add(doubleSign(bob, 4)), "added");
    const taken = pool.take(10);
    assert.deepEqual(
      taken.map((e) => [e.voteA.validator, e.voteA.height]),
      [
        [alice.address, 3],
        [bob.address, 4],
      ],
    );
    assert.equal(pool.take(1).length, 1);
  });

  it("is bounded, and forgets committed evidence only past its memory", () => {
    const pool = new EvidencePool({ maxPending: 2, maxCommitted: 2 });
    pool.add(doubleSign(alice, 1));
    pool.add(doubleSign(alice, 2));
    assert.equal(pool.add(doubleSign(alice, 3)), "full");
    pool.markCommitted([doubleSign(alice, 1), doubleSign(alice, 2)]);
    assert.equal(pool.size, 0);
    assert.equal(pool.add(doubleSign(alice, 1)), "known", "committed evidence is not taken again");
    pool.markCommitted([doubleSign(bob, 1)]);
    assert.equal(pool.add(doubleSign(alice, 1)), "added", "the oldest committed key was forgotten");
  });
});

describe("evidence verification", () => {
  it("accepts a real double sign of a validator of that height", async () => {
    assert.equal(await evidenceProblem(doubleSign(alice, 4), 10, CHAIN_ID, checkModules()), null);
  });

  it("calls a forged or foreign signature false, and early or unpunishable evidence only late", async () => {
    const outsider = testValidators([1n, 1n, 1n, 1n, 1n])[4] as { key: Hex; address: Hex };
    const notInSet = await evidenceProblem(doubleSign(outsider, 4), 10, CHAIN_ID, checkModules());
    assert.equal(notInSet?.fault, true);
    assert.match(notInSet?.reason ?? "", /was not a validator at height 4/);

    const real = doubleSign(alice, 4);
    const forged = { ...real, voteB: { ...real.voteB, signature: doubleSign(bob, 4).voteB.signature } };
    const bad = await evidenceProblem(forged, 10, CHAIN_ID, checkModules());
    assert.deepEqual(bad, { reason: `a vote's signature is not ${alice.address}'s`, fault: true });

    const early = await evidenceProblem(real, 4, CHAIN_ID, checkModules());
    assert.equal(early?.fault, false);
    const punished = await evidenceProblem(
      real,
      10,
      CHAIN_ID,
      checkModules(() => "already punished"),
    );
    assert.deepEqual(punished, { reason: "already punished", fault: false });
  });
});

function service(overrides: Partial<EvidenceServiceModules> = {}) {
  const published: DuplicateVoteEvidence[] = [];
  const warnings: string[] = [];
  let height = 10;
  const pool = new EvidencePool({ maxPending: 10, maxCommitted: 10 });
  const punished = new Set<string>();
  const disk = new Map<Hex, DuplicateVoteEvidence>();
  const keeper: EvidenceKeeper = {
    put: async (hash, e) => void disk.set(hash, e),
    delete: async (hashes) => {
      for (const h of hashes) disk.delete(h);
    },
    all: async () => [...disk.values()],
  };
  const svc = new EvidenceService(
    { regossipMs: 60_000 },
    {
      pool,
      keeper,
      check: (e, at) =>
        evidenceProblem(
          e,
          at,
          CHAIN_ID,
          checkModules((v, h) => (punished.has(`${v}:${h}`) ? "already punished" : null)),
        ),
      height: () => height,
      publish: (data) => published.push(decodeEvidence(data)),
      logger: { warn: (_o, msg) => warnings.push(msg), info: () => {} },
      ...overrides,
    },
  );
  return { svc, pool, disk, published, warnings, punished, setHeight: (h: number) => (height = h) };
}

const blockWith = (height: number, evidence: DuplicateVoteEvidence[]) =>
  ({ header: { height }, evidence }) as unknown as Block;

describe("evidence service", () => {
  it("publishes a detected double sign once, and offers it to the next proposal", async () => {
    const { svc, published } = service();
    const e = doubleSign(alice, 9);
    await svc.report(e);
    await svc.report(e);
    assert.equal(published.length, 1);
    assert.deepEqual(await svc.toInclude(11), [e]);
    assert.equal(svc.pending, 1);
  });

  it("holds a double sign of the height being decided, for the block after it", async () => {
    const { svc, published } = service();
    const current = doubleSign(alice, 11);
    await svc.report(current);
    assert.equal(svc.pending, 1, "the engine reports at the height it decides: not a reason to drop");
    assert.equal(published.length, 1);
    assert.deepEqual(await svc.toInclude(11), [], "block 11 cannot carry its own height's evidence");
    assert.deepEqual(await svc.toInclude(12), [current]);
    await svc.committedBlock(blockWith(10, []));
    assert.equal(svc.pending, 1, "pruning keeps it too");
  });

  it("gossip: accepts new evidence, rejects garbage and forgeries, ignores known or early evidence", async () => {
    const { svc } = service();
    const e = doubleSign(bob, 8);
    assert.equal(await svc.validateGossip(encodeEvidence(e)), "accept");
    assert.equal(await svc.validateGossip(encodeEvidence(e)), "ignore");
    assert.equal(await svc.validateGossip(new Uint8Array([1, 2, 3])), "reject");
    const forged = doubleSign(carol, 7);
    forged.voteA = { ...forged.voteA, signature: doubleSign(alice, 7).voteA.signature };
    assert.equal(await svc.validateGossip(encodeEvidence(forged)), "reject");
    assert.equal(await svc.validateGossip(encodeEvidence(doubleSign(carol, 30))), "ignore");
    assert.equal(svc.pending, 1, "only the valid one is held");
  });

  it("drops what a block carried and what can no longer be punished, from the pool and the disk", async () => {
    const { svc, punished, disk } = service();
    const a = doubleSign(alice, 5);
    const b = doubleSign(bob, 6);
    await svc.report(a);
    await svc.report(b);
    assert.equal(disk.size, 2);
    punished.add(`${bob.address}:6`);
    await svc.committedBlock(blockWith(11, [a]));
    assert.equal(svc.pending, 0);
    assert.equal(disk.size, 0);
    assert.equal(svc.committed, 1);
    await svc.report(a);
    assert.equal(svc.pending, 0, "committed evidence is not taken again");
  });

  it("a restart restores held evidence that can still be punished and forgets the rest", async () => {
    const first = service();
    await first.svc.report(doubleSign(alice, 5));
    await first.svc.report(doubleSign(bob, 6));
    const second = service({
      keeper: {
        put: async () => {},
        delete: async (hashes) => {
          for (const h of hashes) first.disk.delete(h);
        },
        all: async () => [...first.disk.values()],
      },
    });
    second.punished.add(`${bob.address}:6`);
    await second.svc.restore();
    assert.deepEqual(
      (await second.svc.toInclude(11)).map((e) => e.voteA.validator),
      [alice.address],
    );
    assert.equal(first.disk.size, 1, "the unpunishable one left the disk");
  });

  it("does not throw when a check fails for a reason outside the evidence", async () => {
    const { svc, warnings } = service({
      check: async () => {
        throw new Error("disk gone");
      },
    });
    await svc.report(doubleSign(alice, 3));
    assert.equal(svc.pending, 0);
    assert.deepEqual(warnings, ["could not check evidence"]);
  });
});
