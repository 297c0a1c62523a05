import {
  type Address,
  decodeRlpStrict,
  encodeRlpItem,
  RlpError,
  type RlpItem,
  rlpBytes,
  rlpList,
} from "../crypto/index.ts";
import {
  addressFromRlp,
  addressToRlp,
  checkStrictlyAscending,
  listFromRlp,
  listToRlp,
  MAX_VALIDATORS,
  uintFromRlp,
  uintToRlp,
} from "../types/index.ts";
import type { Codec } from "./codecs.ts";

/**
 * A validator set with its CometBFT proposer priorities: structurally the consensus part's ValidatorSetSnapshot
 * (storage may not import consensus), so `ValidatorSet.restore(record)` and `set.snapshot()` fit as they are.
 */
export interface ValidatorSetRecord {
  validators: { address: Address; power: bigint; priority: bigint }[];
  proposer: Address | null;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

// Priorities are signed int64; zigzag maps them onto unsigned integers so RLP keeps one canonical encoding.
function zigzag(value: bigint, what: string): bigint {
  if (typeof value !== "bigint" || value < INT64_MIN || value > INT64_MAX) {
    throw new RlpError(`${what}: expected an int64 bigint`);
  }
  return value >= 0n ? value * 2n : -value * 2n - 1n;
}

function unzigzag(value: bigint): bigint {
  return value % 2n === 0n ? value / 2n : -(value + 1n) / 2n;
}

type Entry = ValidatorSetRecord["validators"][number];

function entryToRlp(v: Entry, what: string): RlpItem {
  return [
    addressToRlp(v.address, `${what}.address`),
    uintToRlp(v.power, `${what}.power`),
    uintToRlp(zigzag(v.priority, `${what}.priority`), `${what}.priority`, 8),
  ];
}

function entryFromRlp(item: RlpItem, what: string): Entry {
  const [address, power, priority] = rlpList(item, 3, what);
  return {
    address: addressFromRlp(address, `${what}.address`),
    power: uintFromRlp(power, `${what}.power`),
    priority: unzigzag(uintFromRlp(priority, `${what}.priority`, 8)),
  };
}

/** RLP [[address, power, zigzag(priority)]..., proposer | ""], validators strictly ascending by address. */
export const validatorSetRecordCodec: Codec<ValidatorSetRecord> = {
  encode(record) {
    const validators = listToRlp(record.validators, MAX_VALIDATORS, "validatorSet.validators", entryToRlp);
    if (record.validators.length === 0) throw new RlpError("validatorSet: no validators");
    checkStrictlyAscending(
      record.validators.map((v) => v.address),
      "validatorSet addresses",
    );
    const proposer =
      record.proposer === null ? new Uint8Array(0) : addressToRlp(record.proposer, "validatorSet.proposer");
    return encodeRlpItem([validators, proposer]);
  },
  decode(bytes) {
    const [validators, proposer] = rlpList(decodeRlpStrict(bytes), 2, "validatorSet");
    const list = listFromRlp(validators, MAX_VALIDATORS, "validatorSet.validators", entryFromRlp);
    if (list.length === 0) throw new RlpError("validatorSet: no validators");
    checkStrictlyAscending(
      list.map((v) => v.address),
      "validatorSet addresses",
    );
    const proposerBytes = rlpBytes(proposer, "validatorSet.proposer");
    return {
      validators: list,
      proposer: proposerBytes.length === 0 ? null : addressFromRlp(proposerBytes, "validatorSet.proposer"),
    };
  },
};
