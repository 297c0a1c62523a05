// Placeholder API filled in by the validator-set work; the engine codes against these signatures.
import type { Address, Hex } from "../crypto/index.ts";
import type { Validator } from "../types/shapes.ts";

export declare class ValidatorSet {
  /** Sorted by address ascending. */
  readonly validators: readonly Validator[];
  readonly totalPower: bigint;
  static create(validators: Validator[]): ValidatorSet;
  powerOf(address: Address): bigint;
  has(address: Address): boolean;
  /** The proposer of round `round` at the height this set belongs to. */
  proposer(round: number): Address;
  /** The set for the next height: priorities incremented once (CometBFT CopyIncrementProposerPriority(1)). */
  next(): ValidatorSet;
  /** Applies power changes (power 0 removes), CometBFT UpdateWithChangeSet semantics. */
  withUpdates(changes: Validator[]): ValidatorSet;
  /** keccak256(abi.encode(address[], uint256[])): the same hash CheckpointManager stores. */
  hash(): Hex;
  /** power * 3 > total * 2 */
  hasTwoThirds(power: bigint): boolean;
  /** power * 3 > total: more than f, enough that one correct validator is among them. */
  hasOneThird(power: bigint): boolean;
}
