import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ValidatorSet } from "../../node/consensus/validatorSet.ts";
import { makeEvidence } from "../../node/consensus/voteSet.ts";
import { type Address, type Hex, VoteType } from "../../node/crypto/index.ts";
import type { DuplicateVoteEvidence } from "../../node/types/shapes.ts";
import { EVIDENCE_AGE, SimEvidence } from "./evidence.ts";
import { poolKey } from "./keys.ts";
import { createScheme } from "./signing.ts";
import { ValidatorSchedule } from "./validators.ts";

const scheme = createScheme("fast", 77n);
const keys = [0, 1, 2, 3].map(poolKey);
const addresses = keys.map((k) => scheme.register(k));
const schedule = new ValidatorSchedule(
  ValidatorSet.create(addresses.map((address) => ({ address, power: 10n }))),
);
const newEvidence = (): SimEvidence =>
  new SimEvidence({ chainId: 77n, verifier: scheme.verifier, validators: schedule });

/** Validator `of` prevoting twice at `height`, signed with `key` (its own unless forging). */
function doubleSign(of: number, height: number, key = of): DuplicateVoteEvidence {
  const vote = (blockHash: Hex | null) =>
    scheme.signVote(keys[key] as Hex, {
      type: VoteType.Prevote,
      height,
      round: 0,
      blockHash,
      validator: addresses[of] as Address,
    });
  return makeEvidence(vote(`0x${"ab".repeat(32)}`), vote(null));
}

describe("sim evidence: the production pool and checks with the simulation's rule", () => {
  it("lets a block carry a genuine double sign of an earlier height, once per offender", async () => {
    const ev = newEvidence();
    assert.equal(await ev.defect([doubleSign(3, 1)], 2), null);
    assert.match((await ev.defect([doubleSign(3, 1), doubleSign(3, 2)], 3)) ?? "", /second offence/);
    assert.match((await ev.defect([doubleSign(3, 2)], 2)) ?? "", /not from before height 2/);
  });

  it("refuses forged evidence and evidence older than the age", async () => {
    const ev = newEvidence();
    assert.match((await ev.defect([doubleSign(0, 1, 3)], 2)) ?? "", /signature/);
    assert.equal(await ev.defect([doubleSign(3, 1)], 1 + EVIDENCE_AGE), null);
    assert.match((await ev.defect([doubleSign(3, 1)], 2 + EVIDENCE_AGE)) ?? "", /older than/);
    const shuffled = doubleSign(3, 1);
    assert.match((await ev.defect([{ voteA: shuffled.voteB, voteB: shuffled.voteA }], 2)) ?? "", /sort/);
  });

  it("keeps a double sign of the height being decided for the next block, then forgets it once punished", async () => {
    const ev = newEvidence();
    const e = doubleSign(3, 1);
    assert.equal(await ev.add(doubleSign(0, 1, 3)), false, "forged evidence is not kept");
    assert.equal(await ev.add(doubleSign(3, 2)), false, "a height ahead of the next is early");
    assert.equal(await ev.add(e), true);
    assert.equal(await ev.add(e), false, "known");
    assert.deepEqual(await ev.toInclude(1), [], "not in the block of its own height");
    assert.deepEqual(await ev.toInclude(2), [e]);
    await ev.committed(1, []);
    await ev.committed(2, [e]);
    assert.equal(ev.pool.size, 0);
    assert.match((await ev.defect([e], 3)) ?? "", /already punished/);
    assert.equal(await ev.add(e), false);
  });

  it("drops what the age has run out on after a commit", async () => {
    const ev = newEvidence();
    assert.equal(await ev.add(doubleSign(3, 1)), true);
    await ev.committed(EVIDENCE_AGE, []);
    assert.equal(ev.pool.size, 1, "a block at 1 + age may still carry it");
    await ev.committed(EVIDENCE_AGE + 1, []);
    assert.equal(ev.pool.size, 0);
  });
});
