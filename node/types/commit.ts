import { RlpError, type RlpItem, rlpList } from "../crypto/index.ts";
import {
  addressFromRlp,
  addressToRlp,
  blockHashFromRlp,
  blockHashToRlp,
  checkStrictlyAscending,
  decodeTop,
  encodeTop,
  listFromRlp,
  listToRlp,
  safeIntFromRlp,
  safeIntToRlp,
  signatureFromRlp,
  signatureToRlp,
} from "./fields.ts";
import { COMMIT_LIMITS, COMMIT_SIG_LIMITS, MAX_VALIDATORS } from "./limits.ts";
import type { Commit, CommitSig } from "./shapes.ts";

/** RLP: [validator, signature]. */
export function commitSigToRlp(s: CommitSig, what = "commitSig"): RlpItem {
  return [addressToRlp(s.validator, `${what}.validator`), signatureToRlp(s.signature, `${what}.signature`)];
}

export function commitSigFromRlp(item: RlpItem | undefined, what = "commitSig"): CommitSig {
  const [validator, signature] = rlpList(item, 2, what);
  return {
    validator: addressFromRlp(validator, `${what}.validator`),
    signature: signatureFromRlp(signature, `${what}.signature`),
  };
}

export function encodeCommitSig(s: CommitSig): Uint8Array {
  return encodeTop(commitSigToRlp(s), COMMIT_SIG_LIMITS, "commitSig");
}

export function decodeCommitSig(bytes: Uint8Array): CommitSig {
  return commitSigFromRlp(decodeTop(bytes, COMMIT_SIG_LIMITS, "commitSig"));
}

/**
 * Signatures of a Commit or a CertifiedCheckpoint: 1..MAX_VALIDATORS, validators strictly ascending, so no
 * signer counts twice and one signer set has one encoding (CheckpointManager demands the same order).
 */
export function signaturesToRlp(sigs: readonly CommitSig[], what: string): RlpItem {
  checkSignatureList(sigs, what);
  return listToRlp(sigs, MAX_VALIDATORS, what, commitSigToRlp);
}

export function signaturesFromRlp(item: RlpItem | undefined, what: string): CommitSig[] {
  const sigs = listFromRlp(item, MAX_VALIDATORS, what, commitSigFromRlp);
  checkSignatureList(sigs, what);
  return sigs;
}

function checkSignatureList(sigs: readonly CommitSig[], what: string): void {
  if (!Array.isArray(sigs)) throw new RlpError(`${what}: expected an array`);
  if (sigs.length === 0) throw new RlpError(`${what}: at least one signature is required`);
  if (sigs.length > MAX_VALIDATORS) throw new RlpError(`${what}: more than ${MAX_VALIDATORS} signatures`);
  checkStrictlyAscending(
    sigs.map((s) => s.validator),
    `${what} validators`,
  );
}

/** RLP: [height, round, blockHash, [[validator, signature], ...]]. */
export function commitToRlp(c: Commit, what = "commit"): RlpItem {
  return [
    safeIntToRlp(c.height, `${what}.height`),
    safeIntToRlp(c.round, `${what}.round`),
    blockHashToRlp(c.blockHash, `${what}.blockHash`),
    signaturesToRlp(c.signatures, `${what}.signatures`),
  ];
}

export function commitFromRlp(item: RlpItem | undefined, what = "commit"): Commit {
  const [height, round, blockHash, signatures] = rlpList(item, 4, what);
  return {
    height: safeIntFromRlp(height, `${what}.height`),
    round: safeIntFromRlp(round, `${what}.round`),
    blockHash: blockHashFromRlp(blockHash, `${what}.blockHash`),
    signatures: signaturesFromRlp(signatures, `${what}.signatures`),
  };
}

export function encodeCommit(c: Commit): Uint8Array {
  return encodeTop(commitToRlp(c), COMMIT_LIMITS, "commit");
}

export function decodeCommit(bytes: Uint8Array): Commit {
  return commitFromRlp(decodeTop(bytes, COMMIT_LIMITS, "commit"));
}
