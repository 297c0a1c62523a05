import { type RlpItem, rlpList } from "../crypto/index.ts";
import {
  addressFromRlp,
  addressToRlp,
  checkStrictlyAscending,
  decodeTop,
  encodeTop,
  listFromRlp,
  listToRlp,
  uintFromRlp,
  uintToRlp,
} from "./fields.ts";
import { MAX_VALIDATORS, VALIDATOR_LIMITS, VALIDATORS_LIMITS } from "./limits.ts";
import type { Validator } from "./shapes.ts";

/** RLP: [address, power]. Power may be 0 (a validator update that removes it). */
export function validatorToRlp(v: Validator, what = "validator"): RlpItem {
  return [addressToRlp(v.address, `${what}.address`), uintToRlp(v.power, `${what}.power`)];
}

export function validatorFromRlp(item: RlpItem | undefined, what = "validator"): Validator {
  const [address, power] = rlpList(item, 2, what);
  return { address: addressFromRlp(address, `${what}.address`), power: uintFromRlp(power, `${what}.power`) };
}

export function encodeValidator(v: Validator): Uint8Array {
  return encodeTop(validatorToRlp(v), VALIDATOR_LIMITS, "validator");
}

export function decodeValidator(bytes: Uint8Array): Validator {
  return validatorFromRlp(decodeTop(bytes, VALIDATOR_LIMITS, "validator"));
}

/**
 * A validator set or a list of updates: at most MAX_VALIDATORS, addresses strictly ascending (the order
 * hashValidatorSet and CheckpointManager use), so one set has one encoding.
 */
export function validatorsToRlp(vs: readonly Validator[], what = "validators"): RlpItem {
  const item = listToRlp(vs, MAX_VALIDATORS, what, validatorToRlp);
  checkStrictlyAscending(
    vs.map((v) => v.address),
    `${what} addresses`,
  );
  return item;
}

export function validatorsFromRlp(item: RlpItem | undefined, what = "validators"): Validator[] {
  const vs = listFromRlp(item, MAX_VALIDATORS, what, validatorFromRlp);
  checkStrictlyAscending(
    vs.map((v) => v.address),
    `${what} addresses`,
  );
  return vs;
}

export function encodeValidators(vs: readonly Validator[]): Uint8Array {
  return encodeTop(validatorsToRlp(vs), VALIDATORS_LIMITS, "validators");
}

export function decodeValidators(bytes: Uint8Array): Validator[] {
  return validatorsFromRlp(decodeTop(bytes, VALIDATORS_LIMITS, "validators"));
}
