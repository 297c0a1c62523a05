import type { UnsignedProposal, UnsignedVote } from "../../node/consensus/messages.ts";
import { ValidatorSet } from "../../node/consensus/validatorSet.ts";
import {
  type Hex,
  privateKeyToAddress,
  proposalDigest,
  signDigest,
  voteDigest,
} from "../../node/crypto/index.ts";
import type { Proposal, Vote } from "../../node/types/shapes.ts";

export interface TestValidator {
  key: Hex;
  address: Hex;
  power: bigint;
}

/** Deterministic keys (1, 2, 3, ...) so failures reproduce; sorted by address like the set itself. */
export function testValidators(powers: bigint[]): TestValidator[] {
  return powers
    .map((power, i) => {
      const key = `0x${(i + 1).toString(16).padStart(64, "0")}` as Hex;
      return { key, address: privateKeyToAddress(key), power };
    })
    .sort((a, b) => (a.address < b.address ? -1 : 1));
}

export function validatorSetOf(validators: TestValidator[]): ValidatorSet {
  return ValidatorSet.create(validators.map(({ address, power }) => ({ address, power })));
}

export function signVote(chainId: bigint, key: Hex, vote: UnsignedVote): Vote {
  return { ...vote, signature: signDigest(voteDigest({ chainId, ...vote }), key) };
}

export function signProposal(chainId: bigint, key: Hex, proposal: UnsignedProposal): Proposal {
  return { ...proposal, signature: signDigest(proposalDigest({ chainId, ...proposal }), key) };
}
