import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { verifyCommit } from "../../node/consensus/commitVerification.ts";
import { secp256k1Verifier } from "../../node/consensus/verifier.ts";
import { bytesToHex, keccak256, VoteType } from "../../node/crypto/index.ts";
import type { Commit } from "../../node/types/shapes.ts";
import { signVote, type TestValidator, testValidators, validatorSetOf } from "../helpers/validators.ts";

const CHAIN = 9n;
const HASH = bytesToHex(keccak256(Uint8Array.of(1)));
const vals = testValidators([5n, 3n, 2n, 2n]);
const set = validatorSetOf(vals);
const sig = (v: TestValidator, blockHash = HASH, chainId = CHAIN) => ({
  validator: v.address,
  signature: signVote(chainId, v.key, {
    type: VoteType.Precommit,
    height: 4,
    round: 1,
    blockHash,
    validator: v.address,
  }).signature,
});
const commitOf = (signers: TestValidator[]): Commit => ({
  height: 4,
  round: 1,
  blockHash: HASH,
  signatures: signers.map((v) => sig(v)),
});
const byPower = (p: bigint) => vals.filter((v) => v.power === p);

describe("commit certificates", () => {
  it("accepts more than 2/3 of the power and reports it; refuses exactly 2/3", () => {
    // total 12: 8 is exactly 2/3, 10 is more.
    const [five] = byPower(5n);
    const [three] = byPower(3n);
    const [twoA, twoB] = byPower(2n);
    assert.ok(five && three && twoA && twoB);
    const exact = verifyCommit(commitOf([five, three]), set, CHAIN, secp256k1Verifier);
    assert.equal(exact.ok, false);
    const more = verifyCommit(commitOf([five, three, twoA]), set, CHAIN, secp256k1Verifier);
    assert.deepEqual(more, { ok: true, power: 10n });
  });

  it("one bad, duplicate or foreign signature fails the whole certificate", () => {
    const all = commitOf(vals);
    assert.equal(verifyCommit(all, set, CHAIN, secp256k1Verifier).ok, true);
    const [first, second] = all.signatures;
    assert.ok(first && second);
    const swapped = {
      ...all,
      signatures: [{ ...first, signature: second.signature }, ...all.signatures.slice(1)],
    };
    assert.match(
      String((verifyCommit(swapped, set, CHAIN, secp256k1Verifier) as { reason: string }).reason),
      /does not verify/,
    );
    const dup = { ...all, signatures: [first, first, ...all.signatures.slice(1)] };
    assert.match(
      String((verifyCommit(dup, set, CHAIN, secp256k1Verifier) as { reason: string }).reason),
      /twice/,
    );
    const outsider = testValidators([1n, 1n, 1n, 1n, 1n, 1n]).find(
      (v) => !set.has(v.address),
    ) as TestValidator;
    const foreign = { ...all, signatures: [...all.signatures, sig(outsider)] };
    assert.match(
      String((verifyCommit(foreign, set, CHAIN, secp256k1Verifier) as { reason: string }).reason),
      /not in the validator set/,
    );
    const otherChain = { ...all, signatures: vals.map((v) => sig(v, HASH, CHAIN + 1n)) };
    assert.equal(verifyCommit(otherChain, set, CHAIN, secp256k1Verifier).ok, false);
    const otherBlock = { ...all, blockHash: bytesToHex(keccak256(Uint8Array.of(2))) };
    assert.equal(verifyCommit(otherBlock, set, CHAIN, secp256k1Verifier).ok, false);
  });
});
