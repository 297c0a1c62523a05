import { type Hex, keccak256Hex, type RlpItem, rlpList } from "../crypto/index.ts";
import {
  addressFromRlp,
  addressToRlp,
  decodeTop,
  encodeTop,
  hashFromRlp,
  hashToRlp,
  safeIntFromRlp,
  safeIntToRlp,
  uintFromRlp,
  uintToRlp,
} from "./fields.ts";
import { HEADER_LIMITS } from "./limits.ts";
import type { Header } from "./shapes.ts";

/**
 * RLP: [chainId, height, time, parentHash, proposer, validatorsHash, nextValidatorsHash, appHash, txsHash,
 * lastCommitHash, evidenceHash, depositClaimsHash, checkpointsHash]. Every hash may be zero (the first
 * block's parent is).
 */
export function headerToRlp(h: Header, what = "header"): RlpItem {
  return [
    uintToRlp(h.chainId, `${what}.chainId`),
    safeIntToRlp(h.height, `${what}.height`),
    safeIntToRlp(h.time, `${what}.time`),
    hashToRlp(h.parentHash, `${what}.parentHash`),
    addressToRlp(h.proposer, `${what}.proposer`),
    hashToRlp(h.validatorsHash, `${what}.validatorsHash`),
    hashToRlp(h.nextValidatorsHash, `${what}.nextValidatorsHash`),
    hashToRlp(h.appHash, `${what}.appHash`),
    hashToRlp(h.txsHash, `${what}.txsHash`),
    hashToRlp(h.lastCommitHash, `${what}.lastCommitHash`),
    hashToRlp(h.evidenceHash, `${what}.evidenceHash`),
    hashToRlp(h.depositClaimsHash, `${what}.depositClaimsHash`),
    hashToRlp(h.checkpointsHash, `${what}.checkpointsHash`),
  ];
}

export function headerFromRlp(item: RlpItem | undefined, what = "header"): Header {
  const [
    chainId,
    height,
    time,
    parentHash,
    proposer,
    validatorsHash,
    nextValidatorsHash,
    appHash,
    txsHash,
    lastCommitHash,
    evidenceHash,
    depositClaimsHash,
    checkpointsHash,
  ] = rlpList(item, 13, what);
  return {
    chainId: uintFromRlp(chainId, `${what}.chainId`),
    height: safeIntFromRlp(height, `${what}.height`),
    time: safeIntFromRlp(time, `${what}.time`),
    parentHash: hashFromRlp(parentHash, `${what}.parentHash`),
    proposer: addressFromRlp(proposer, `${what}.proposer`),
    validatorsHash: hashFromRlp(validatorsHash, `${what}.validatorsHash`),
    nextValidatorsHash: hashFromRlp(nextValidatorsHash, `${what}.nextValidatorsHash`),
    appHash: hashFromRlp(appHash, `${what}.appHash`),
    txsHash: hashFromRlp(txsHash, `${what}.txsHash`),
    lastCommitHash: hashFromRlp(lastCommitHash, `${what}.lastCommitHash`),
    evidenceHash: hashFromRlp(evidenceHash, `${what}.evidenceHash`),
    depositClaimsHash: hashFromRlp(depositClaimsHash, `${what}.depositClaimsHash`),
    checkpointsHash: hashFromRlp(checkpointsHash, `${what}.checkpointsHash`),
  };
}

export function encodeHeader(h: Header): Uint8Array {
  return encodeTop(headerToRlp(h), HEADER_LIMITS, "header");
}

export function decodeHeader(bytes: Uint8Array): Header {
  return headerFromRlp(decodeTop(bytes, HEADER_LIMITS, "header"));
}

/** The block hash: keccak256 of the header's RLP, which commits to the body through its body hashes. */
export function hashHeader(h: Header): Hex {
  return keccak256Hex(encodeHeader(h));
}
