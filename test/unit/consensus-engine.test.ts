import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createEngine } from "../../node/consensus/engine.ts";
import {
  type ConsensusEngine,
  type EngineAction,
  Step,
  type TimeoutConfig,
  type UnsignedVote,
} from "../../node/consensus/messages.ts";
import type { ValidatorSet } from "../../node/consensus/validatorSet.ts";
import { secp256k1Verifier } from "../../node/consensus/verifier.ts";
import { bytesToHex, type Hex, keccak256, VoteType } from "../../node/crypto/index.ts";
import type { Vote } from "../../node/types/shapes.ts";
import {
  signProposal,
  signVote,
  type TestValidator,
  testValidators,
  validatorSetOf,
} from "../helpers/validators.ts";

const CHAIN_ID = 77n;
const TIMEOUTS: TimeoutConfig = {
  proposeMs: 1000,
  proposeDeltaMs: 500,
  prevoteMs: 300,
  prevoteDeltaMs: 100,
  precommitMs: 400,
  precommitDeltaMs: 200,
  commitMs: 1000,
};
const HEIGHT = 5;

type Block = { payload: string };
const blockOf = (payload: string) => ({
  blockHash: bytesToHex(keccak256(new TextEncoder().encode(payload))),
  block: { payload },
});
const A = blockOf("A");
const B = blockOf("B");

/** One engine under test, driven by hand, plus the other validators' keys to forge their messages. */
class Harness {
  readonly vals: TestValidator[];
  readonly set: ValidatorSet;
  readonly engine: ConsensusEngine<Block>;
  readonly me: TestValidator | null;
  actions: EngineAction<Block>[] = [];

  constructor(
    powers: bigint[],
    opts: { self: "non-proposer" | "proposer" | "none" } = { self: "non-proposer" },
  ) {
    this.vals = testValidators(powers);
    this.set = validatorSetOf(this.vals);
    const proposer0 = this.set.proposer(0);
    this.me =
      opts.self === "none"
        ? null
        : (this.vals.find((v) =>
            opts.self === "proposer" ? v.address === proposer0 : v.address !== proposer0,
          ) ?? null);
    this.engine = createEngine<Block>({
      chainId: CHAIN_ID,
      self: this.me?.address ?? null,
      timeouts: TIMEOUTS,
      verifier: secp256k1Verifier,
    });
    this.send({ kind: "startHeight", height: HEIGHT, validators: this.set });
  }

  send(event: Parameters<ConsensusEngine<Block>["handle"]>[0]): EngineAction<Block>[] {
    const out = this.engine.handle(event);
    this.actions.push(...out);
    return out;
  }

  keyOf(address: Hex): Hex {
    const v = this.vals.find((x) => x.address === address);
    if (!v) throw new Error("unknown validator");
    return v.key;
  }

  others(): TestValidator[] {
    return this.vals.filter((v) => v.address !== this.me?.address);
  }

  propose(round: number, value: typeof A, polRound = -1): EngineAction<Block>[] {
    const proposer = this.set.proposer(round);
    const proposal = signProposal(CHAIN_ID, this.keyOf(proposer), {
      height: HEIGHT,
      round,
      polRound,
      blockHash: value.blockHash,
      proposer,
    });
    return this.send({ kind: "proposal", proposal, block: value.block });
  }

  vote(from: TestValidator, type: VoteType, round: number, blockHash: Hex | null, height = HEIGHT): Vote {
    const vote = signVote(CHAIN_ID, from.key, { type, height, round, blockHash, validator: from.address });
    this.send({ kind: "vote", vote });
    return vote;
  }

  /** Performs the engine's signing requests like a node would: sign and feed the message back. */
  signPending(out: EngineAction<Block>[]): void {
    for (const action of out) {
      if (action.kind === "signVote" && this.me) {
        this.signPending(this.send({ kind: "vote", vote: signVote(CHAIN_ID, this.me.key, action.vote) }));
      }
      if (action.kind === "signProposal" && this.me) {
        const proposal = signProposal(CHAIN_ID, this.me.key, action.proposal);
        this.signPending(this.send({ kind: "proposal", proposal, block: action.value.block }));
      }
    }
  }

  verdict(value: typeof A, valid: boolean): EngineAction<Block>[] {
    return this.send({ kind: "blockVerdict", blockHash: value.blockHash, valid });
  }

  ownVotes(type: VoteType): UnsignedVote[] {
    return this.actions.flatMap((a) => (a.kind === "signVote" && a.vote.type === type ? [a.vote] : []));
  }

  lastOwnVote(type: VoteType): UnsignedVote | undefined {
    return this.ownVotes(type).at(-1);
  }

  commits() {
    return this.actions.flatMap((a) => (a.kind === "commit" ? [a] : []));
  }
}

/** Drives the harness's engine through round `round` to a lock on `value` (proposal + polka). */
function lockOn(h: Harness, round: number, value: typeof A): void {
  h.propose(round, value);
  h.verdict(value, true);
  for (const v of h.others()) h.vote(v, VoteType.Prevote, round, value.blockHash);
}

describe("consensus engine: the happy path", () => {
  it("a proposer builds, proposes, prevotes, locks, precommits and commits with a sorted certificate", () => {
    const h = new Harness([10n, 10n, 10n, 10n], { self: "proposer" });
    assert.deepEqual(h.actions.slice(0, 1), [{ kind: "buildBlock", height: HEIGHT, round: 0 }]);
    h.signPending(h.send({ kind: "blockBuilt", height: HEIGHT, round: 0, value: A }));
    assert.equal(h.lastOwnVote(VoteType.Prevote)?.blockHash, A.blockHash);
    for (const v of h.others().slice(0, 2)) h.vote(v, VoteType.Prevote, 0, A.blockHash);
    assert.equal(h.engine.step, Step.Precommit);
    assert.equal(h.lastOwnVote(VoteType.Precommit)?.blockHash, A.blockHash);
    h.signPending(h.actions.filter((a) => a.kind === "signVote" && a.vote.type === VoteType.Precommit));
    assert.equal(h.commits().length, 0);
    h.vote(h.others()[0] as TestValidator, VoteType.Precommit, 0, A.blockHash);
    assert.equal(h.commits().length, 0, "2 of 4 precommits is not 2/3+");
    h.vote(h.others()[1] as TestValidator, VoteType.Precommit, 0, A.blockHash);
    const [commit] = h.commits();
    assert.ok(commit);
    assert.equal(commit.value.blockHash, A.blockHash);
    assert.equal(commit.commit.signatures.length, 3);
    const signers = commit.commit.signatures.map((s) => s.validator);
    assert.deepEqual(signers, [...signers].sort());
    assert.equal(h.engine.step, Step.Commit);
  });

  it("never reaches a decision without the application's verdict, and prevotes nil for an invalid block", () => {
    const h = new Harness([10n, 10n, 10n, 10n]);
    const out = h.propose(0, A);
    assert.ok(out.some((a) => a.kind === "validateBlock" && a.value.blockHash === A.blockHash));
    assert.equal(h.ownVotes(VoteType.Prevote).length, 0, "no prevote before the verdict");
    h.verdict(A, false);
    assert.equal(h.lastOwnVote(VoteType.Prevote)?.blockHash, null);
    for (const v of h.others()) h.vote(v, VoteType.Precommit, 0, A.blockHash);
    assert.equal(h.commits().length, 0, "an invalid block is never committed, whatever the votes");
  });

  it("a full node (no key) follows to a commit without ever asking to sign", () => {
    const h = new Harness([10n, 10n, 10n, 10n], { self: "none" });
    h.propose(0, A);
    h.verdict(A, true);
    for (const v of h.vals) h.vote(v, VoteType.Precommit, 0, A.blockHash);
    assert.equal(h.commits().length, 1);
    assert.ok(
      !h.actions.some((a) => a.kind === "signVote" || a.kind === "signProposal" || a.kind === "buildBlock"),
    );
  });
});

describe("consensus engine: 2/3 arithmetic over unequal stake", () => {
  it("exactly 2/3 of the power is not a quorum; one unit more is", () => {
    // total 6: 4 is exactly 2/3 and must not lock; 5 must.
    const h = new Harness([2n, 2n, 1n, 1n]);
    h.propose(0, A);
    h.verdict(A, true);
    const me = h.me as TestValidator;
    const byPower = h.others().sort((a, b) => Number(b.power - a.power));
    // Our own prevote counts: pick others so that with ours the sum is exactly 4.
    h.signPending(h.actions.filter((a) => a.kind === "signVote"));
    let sum = me.power;
    for (const v of byPower) {
      if (sum + v.power <= 4n) {
        h.vote(v, VoteType.Prevote, 0, A.blockHash);
        sum += v.power;
      }
    }
    assert.equal(sum, 4n);
    assert.equal(h.engine.step, Step.Prevote, "exactly 2/3 does not lock");
    const rest = byPower.find((v) => !h.engine.catchUp().votes.some((x) => x.validator === v.address));
    assert.ok(rest);
    h.vote(rest, VoteType.Prevote, 0, A.blockHash);
    assert.equal(h.engine.step, Step.Precommit);
    assert.equal(h.lastOwnVote(VoteType.Precommit)?.blockHash, A.blockHash);
  });

  it("f+1 of the power in a higher round skips ahead; f alone does not", () => {
    // total 10, powers 4,3,2,1: > 1/3 needs more than 3.33.
    const h = new Harness([4n, 3n, 2n, 1n]);
    const small = h
      .others()
      .filter((v) => v.power <= 3n)
      .sort((a, b) => Number(a.power - b.power));
    const [first] = small;
    assert.ok(first);
    h.vote(first, VoteType.Prevote, 7, null);
    assert.equal(h.engine.round, 0);
    const bigger = h.others().find((v) => v.address !== first.address && v.power + first.power > 10n / 3n);
    assert.ok(bigger);
    const out = h.send({
      kind: "vote",
      vote: signVote(CHAIN_ID, bigger.key, {
        type: VoteType.Precommit,
        height: HEIGHT,
        round: 7,
        blockHash: null,
        validator: bigger.address,
      }),
    });
    assert.equal(h.engine.round, 7);
    assert.ok(out.some((a) => a.kind === "scheduleTimeout" && a.round === 7 && a.step === Step.Propose));
  });
});

describe("consensus engine: locking and proof-of-lock", () => {
  it("a locked validator prevotes nil for a different new proposal, and its value again", () => {
    const h = new Harness([10n, 10n, 10n, 10n]);
    lockOn(h, 0, A);
    assert.equal(h.lastOwnVote(VoteType.Precommit)?.blockHash, A.blockHash);
    h.send({ kind: "timeout", height: HEIGHT, round: 0, step: Step.Precommit });
    assert.equal(h.engine.round, 1);
    h.propose(1, B);
    h.verdict(B, true);
    assert.equal(h.lastOwnVote(VoteType.Prevote)?.blockHash, null, "locked on A: B without POL gets nil");
    h.send({ kind: "timeout", height: HEIGHT, round: 1, step: Step.Precommit });
    h.propose(2, A);
    assert.equal(h.lastOwnVote(VoteType.Prevote)?.blockHash, A.blockHash, "locked value is prevoted");
  });

  it("a proof-of-lock from a round at or after the lock unlocks; an older one does not", () => {
    const h = new Harness([10n, 10n, 10n, 10n]);
    h.send({ kind: "timeout", height: HEIGHT, round: 0, step: Step.Propose });
    h.send({ kind: "timeout", height: HEIGHT, round: 0, step: Step.Precommit });
    lockOn(h, 1, A);
    assert.equal(h.lastOwnVote(VoteType.Precommit)?.blockHash, A.blockHash);
    // 2/3+ prevoted B in round 0, before our lock in round 1: a POL of round 0 must not move us.
    for (const v of h.others()) h.vote(v, VoteType.Prevote, 0, B.blockHash);
    h.send({ kind: "timeout", height: HEIGHT, round: 1, step: Step.Precommit });
    h.propose(2, B, 0);
    h.verdict(B, true);
    assert.equal(h.lastOwnVote(VoteType.Prevote)?.round, 2);
    assert.equal(h.lastOwnVote(VoteType.Prevote)?.blockHash, null);
    // A POL for B in round 2 (after our lock in round 1) re-proposed in round 3: we follow it.
    for (const v of h.others()) h.vote(v, VoteType.Prevote, 2, B.blockHash);
    h.send({ kind: "timeout", height: HEIGHT, round: 2, step: Step.Precommit });
    h.propose(3, B, 2);
    assert.equal(h.lastOwnVote(VoteType.Prevote)?.round, 3);
    assert.equal(h.lastOwnVote(VoteType.Prevote)?.blockHash, B.blockHash);
  });

  it("a claimed proof-of-lock is not taken on trust: without its 2/3+ prevotes the proposal is not prevoted", () => {
    const h = new Harness([10n, 10n, 10n, 10n]);
    h.send({ kind: "timeout", height: HEIGHT, round: 0, step: Step.Propose });
    h.send({ kind: "timeout", height: HEIGHT, round: 0, step: Step.Precommit });
    lockOn(h, 1, A);
    h.send({ kind: "timeout", height: HEIGHT, round: 1, step: Step.Precommit });
    // Only two of four prevoted B in round 1: the claimed POL of round 1 is short of 2/3.
    for (const v of h.others().slice(0, 2)) h.vote(v, VoteType.Prevote, 1, B.blockHash);
    h.propose(2, B, 1);
    h.verdict(B, true);
    assert.equal(h.engine.step, Step.Propose, "waits for the POL instead of prevoting");
    assert.notEqual(h.lastOwnVote(VoteType.Prevote)?.round, 2);
    h.send({ kind: "timeout", height: HEIGHT, round: 2, step: Step.Propose });
    assert.equal(h.lastOwnVote(VoteType.Prevote)?.round, 2);
    assert.equal(h.lastOwnVote(VoteType.Prevote)?.blockHash, null);
  });

  it("a proposer re-proposes its valid value with its POL round", () => {
    const powers = [10n, 10n, 10n, 10n];
    const probe = new Harness(powers);
    // Find the validator that proposes round 1 and run the engine as that one.
    const proposer1 = probe.set.proposer(1);
    const vals = testValidators(powers);
    const me = vals.find((v) => v.address === proposer1) as TestValidator;
    const engine = createEngine<Block>({
      chainId: CHAIN_ID,
      self: me.address,
      timeouts: TIMEOUTS,
      verifier: secp256k1Verifier,
    });
    engine.handle({ kind: "startHeight", height: HEIGHT, validators: probe.set });
    const proposer0 = probe.set.proposer(0);
    const p0 = signProposal(CHAIN_ID, probe.keyOf(proposer0), {
      height: HEIGHT,
      round: 0,
      polRound: -1,
      blockHash: A.blockHash,
      proposer: proposer0,
    });
    engine.handle({ kind: "proposal", proposal: p0, block: A.block });
    engine.handle({ kind: "blockVerdict", blockHash: A.blockHash, valid: true });
    for (const v of vals.filter((x) => x.address !== me.address)) {
      engine.handle({
        kind: "vote",
        vote: signVote(CHAIN_ID, v.key, {
          type: VoteType.Prevote,
          height: HEIGHT,
          round: 0,
          blockHash: A.blockHash,
          validator: v.address,
        }),
      });
    }
    const out = engine.handle({ kind: "timeout", height: HEIGHT, round: 0, step: Step.Precommit });
    const reproposal = out.find((a) => a.kind === "signProposal");
    assert.ok(reproposal && reproposal.kind === "signProposal");
    assert.equal(reproposal.proposal.round, 1);
    assert.equal(reproposal.proposal.polRound, 0);
    assert.equal(reproposal.proposal.blockHash, A.blockHash);
    assert.ok(!out.some((a) => a.kind === "buildBlock"), "a valid value is re-proposed, not rebuilt");
  });
});

describe("consensus engine: timeouts", () => {
  it("timeouts grow by their delta each round", () => {
    const h = new Harness([10n, 10n, 10n, 10n]);
    for (let round = 0; round < 4; round++) {
      const propose = h.actions.findLast((a) => a.kind === "scheduleTimeout" && a.step === Step.Propose);
      assert.equal(
        propose?.kind === "scheduleTimeout" && propose.durationMs,
        TIMEOUTS.proposeMs + TIMEOUTS.proposeDeltaMs * round,
      );
      h.send({ kind: "timeout", height: HEIGHT, round, step: Step.Propose });
      for (const v of h.others()) h.vote(v, VoteType.Prevote, round, B.blockHash);
      const prevote = h.actions.findLast((a) => a.kind === "scheduleTimeout" && a.step === Step.Prevote);
      assert.equal(prevote?.kind === "scheduleTimeout" && prevote.round, round);
      assert.equal(
        prevote?.kind === "scheduleTimeout" && prevote.durationMs,
        TIMEOUTS.prevoteMs + TIMEOUTS.prevoteDeltaMs * round,
      );
      h.send({ kind: "timeout", height: HEIGHT, round, step: Step.Prevote });
      assert.equal(h.lastOwnVote(VoteType.Precommit)?.blockHash, null, "prevote timeout precommits nil");
      for (const v of h.others()) h.vote(v, VoteType.Precommit, round, null);
      const precommit = h.actions.findLast((a) => a.kind === "scheduleTimeout" && a.step === Step.Precommit);
      assert.equal(
        precommit?.kind === "scheduleTimeout" && precommit.durationMs,
        TIMEOUTS.precommitMs + TIMEOUTS.precommitDeltaMs * round,
      );
      h.send({ kind: "timeout", height: HEIGHT, round, step: Step.Precommit });
      assert.equal(h.engine.round, round + 1);
    }
  });

  it("stale timeouts of another round, step or height change nothing", () => {
    const h = new Harness([10n, 10n, 10n, 10n]);
    const before = h.actions.length;
    h.send({ kind: "timeout", height: HEIGHT, round: 3, step: Step.Precommit });
    h.send({ kind: "timeout", height: HEIGHT - 1, round: 0, step: Step.Propose });
    h.send({ kind: "timeout", height: HEIGHT, round: 0, step: Step.Prevote });
    assert.equal(h.actions.length, before);
    assert.equal(h.engine.round, 0);
    assert.equal(h.engine.step, Step.Propose);
  });
});

describe("consensus engine: hostile and out-of-place messages", () => {
  it("two different votes of one validator for one (height, round, type) produce evidence once, canonically ordered", () => {
    const h = new Harness([10n, 10n, 10n, 10n]);
    const bad = h.others()[0] as TestValidator;
    const v1 = h.vote(bad, VoteType.Prevote, 0, B.blockHash);
    const v2 = h.vote(bad, VoteType.Prevote, 0, A.blockHash);
    h.vote(bad, VoteType.Prevote, 0, null);
    const evidence = h.actions.flatMap((a) => (a.kind === "evidence" ? [a.evidence] : []));
    assert.equal(evidence.length, 1);
    const [first, second] = A.blockHash < B.blockHash ? [v2, v1] : [v1, v2];
    assert.deepEqual(evidence[0], { voteA: first, voteB: second });
    h.vote(bad, VoteType.Precommit, 0, A.blockHash);
    assert.equal(
      h.actions.filter((a) => a.kind === "evidence").length,
      1,
      "one vote per type is no evidence",
    );
  });

  it("ignores votes with a forged signature, from outside the set, or of an unknown type", () => {
    const h = new Harness([10n, 10n, 10n, 10n]);
    h.propose(0, A);
    h.signPending(h.verdict(A, true));
    const [a, b, c] = h.others() as [TestValidator, TestValidator, TestValidator];
    const outsider = testValidators([1n, 1n, 1n, 1n, 1n, 1n]).find(
      (v) => !h.set.has(v.address),
    ) as TestValidator;
    // b's vote signed with c's key, an outsider's vote, a vote of type 3: none may count.
    const forged = signVote(CHAIN_ID, c.key, {
      type: VoteType.Prevote,
      height: HEIGHT,
      round: 0,
      blockHash: A.blockHash,
      validator: b.address,
    });
    h.send({ kind: "vote", vote: forged });
    h.vote(outsider, VoteType.Prevote, 0, A.blockHash);
    h.send({
      kind: "vote",
      vote: {
        ...signVote(CHAIN_ID, c.key, {
          type: VoteType.Prevote,
          height: HEIGHT,
          round: 0,
          blockHash: A.blockHash,
          validator: c.address,
        }),
        type: 3 as VoteType,
      },
    });
    h.vote(a, VoteType.Prevote, 0, A.blockHash);
    assert.equal(h.engine.step, Step.Prevote, "our vote + a's is 2 of 4: no polka");
    h.vote(b, VoteType.Prevote, 0, A.blockHash);
    assert.equal(h.engine.step, Step.Precommit);
  });

  it("ignores a proposal from the wrong proposer or with a bad POL round", () => {
    const h = new Harness([10n, 10n, 10n, 10n]);
    const wrong = h.vals.find((v) => v.address !== h.set.proposer(0)) as TestValidator;
    const bad = signProposal(CHAIN_ID, wrong.key, {
      height: HEIGHT,
      round: 0,
      polRound: -1,
      blockHash: A.blockHash,
      proposer: wrong.address,
    });
    assert.deepEqual(h.send({ kind: "proposal", proposal: bad, block: A.block }), []);
    const p = h.set.proposer(0);
    const selfPol = signProposal(CHAIN_ID, h.keyOf(p), {
      height: HEIGHT,
      round: 0,
      polRound: 0,
      blockHash: A.blockHash,
      proposer: p,
    });
    assert.deepEqual(h.send({ kind: "proposal", proposal: selfPol, block: A.block }), []);
    assert.deepEqual(h.engine.catchUp().proposals, []);
  });

  it("buffers the next height's messages and replays them when it starts", () => {
    const h = new Harness([10n, 10n, 10n, 10n]);
    const v = h.others()[0] as TestValidator;
    h.vote(v, VoteType.Prevote, 0, A.blockHash, HEIGHT + 1);
    assert.equal(h.engine.catchUp().votes.length, 0);
    h.send({ kind: "startHeight", height: HEIGHT + 1, validators: h.set.next() });
    assert.equal(h.engine.height, HEIGHT + 1);
    assert.equal(h.engine.catchUp().votes.length, 1);
  });

  it("a validator cannot hold votes in more than two rounds beyond the next", () => {
    const h = new Harness([10n, 10n, 10n, 10n]);
    const v = h.others()[0] as TestValidator;
    for (const round of [5, 9, 13, 17]) h.vote(v, VoteType.Prevote, round, null);
    const rounds = h.engine.catchUp().votes.map((x) => x.round);
    assert.deepEqual(
      rounds.sort((a, b) => a - b),
      [5, 9],
    );
  });

  it("a verified commit certificate decides; one short of 2/3 does not", () => {
    const h = new Harness([10n, 10n, 10n, 10n]);
    const sig = (v: TestValidator) => ({
      validator: v.address,
      signature: signVote(CHAIN_ID, v.key, {
        type: VoteType.Precommit,
        height: HEIGHT,
        round: 3,
        blockHash: B.blockHash,
        validator: v.address,
      }).signature,
    });
    const short = {
      height: HEIGHT,
      round: 3,
      blockHash: B.blockHash,
      signatures: h.vals.slice(0, 2).map(sig),
    };
    h.send({ kind: "certificate", commit: short, block: B.block });
    assert.equal(h.commits().length, 0);
    const full = { ...short, signatures: h.vals.slice(0, 3).map(sig) };
    const out = h.send({ kind: "certificate", commit: full, block: B.block });
    assert.ok(out.some((a) => a.kind === "validateBlock"));
    h.verdict(B, true);
    assert.equal(h.commits().length, 1);
    assert.equal(h.commits()[0]?.commit.round, 3);
  });
});
