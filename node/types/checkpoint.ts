import { RlpError, type RlpItem, rlpList } from "../crypto/index.ts";
import { signaturesFromRlp, signaturesToRlp } from "./commit.ts";
import {
  decodeTop,
  encodeTop,
  hashFromRlp,
  hashToRlp,
  safeIntFromRlp,
  safeIntToRlp,
  uintFromRlp,
  uintToRlp,
} from "./fields.ts";
import { CERTIFIED_CHECKPOINT_LIMITS, CHECKPOINT_LIMITS } from "./limits.ts";
import type { CertifiedCheckpoint, Checkpoint } from "./shapes.ts";

function checkRange(c: Checkpoint, what: string): Checkpoint {
  if (c.startHeight > c.endHeight) throw new RlpError(`${what}: startHeight is after endHeight`);
  return c;
}

/**
 * RLP: [sidechainId, number, startHeight, endHeight, blocksRoot, withdrawalsRoot, nextValidatorSetHash], the
 * EIP-712 struct's field order. Roots may be zero (an empty withdrawal range).
 */
export function checkpointToRlp(c: Checkpoint, what = "checkpoint"): RlpItem {
  const item = [
    uintToRlp(c.sidechainId, `${what}.sidechainId`),
    safeIntToRlp(c.number, `${what}.number`),
    safeIntToRlp(c.startHeight, `${what}.startHeight`),
    safeIntToRlp(c.endHeight, `${what}.endHeight`),
    hashToRlp(c.blocksRoot, `${what}.blocksRoot`),
    hashToRlp(c.withdrawalsRoot, `${what}.withdrawalsRoot`),
    hashToRlp(c.nextValidatorSetHash, `${what}.nextValidatorSetHash`),
  ];
  checkRange(c, what);
  return item;
}

export function checkpointFromRlp(item: RlpItem | undefined, what = "checkpoint"): Checkpoint {
  const [sidechainId, number, startHeight, endHeight, blocksRoot, withdrawalsRoot, next] = rlpList(
    item,
    7,
    what,
  );
  return checkRange(
    {
      sidechainId: uintFromRlp(sidechainId, `${what}.sidechainId`),
      number: safeIntFromRlp(number, `${what}.number`),
      startHeight: safeIntFromRlp(startHeight, `${what}.startHeight`),
      endHeight: safeIntFromRlp(endHeight, `${what}.endHeight`),
      blocksRoot: hashFromRlp(blocksRoot, `${what}.blocksRoot`),
      withdrawalsRoot: hashFromRlp(withdrawalsRoot, `${what}.withdrawalsRoot`),
      nextValidatorSetHash: hashFromRlp(next, `${what}.nextValidatorSetHash`),
    },
    what,
  );
}

export function encodeCheckpoint(c: Checkpoint): Uint8Array {
  return encodeTop(checkpointToRlp(c), CHECKPOINT_LIMITS, "checkpoint");
}

export function decodeCheckpoint(bytes: Uint8Array): Checkpoint {
  return checkpointFromRlp(decodeTop(bytes, CHECKPOINT_LIMITS, "checkpoint"));
}

/** RLP: [checkpoint, [[validator, signature], ...]], signatures as in a Commit (non-empty, strictly ascending). */
export function certifiedCheckpointToRlp(c: CertifiedCheckpoint, what = "certifiedCheckpoint"): RlpItem {
  return [
    checkpointToRlp(c.checkpoint, `${what}.checkpoint`),
    signaturesToRlp(c.signatures, `${what}.signatures`),
  ];
}

export function certifiedCheckpointFromRlp(
  item: RlpItem | undefined,
  what = "certifiedCheckpoint",
): CertifiedCheckpoint {
  const [checkpoint, signatures] = rlpList(item, 2, what);
  return {
    checkpoint: checkpointFromRlp(checkpoint, `${what}.checkpoint`),
    signatures: signaturesFromRlp(signatures, `${what}.signatures`),
  };
}

export function encodeCertifiedCheckpoint(c: CertifiedCheckpoint): Uint8Array {
  return encodeTop(certifiedCheckpointToRlp(c), CERTIFIED_CHECKPOINT_LIMITS, "certifiedCheckpoint");
}

export function decodeCertifiedCheckpoint(bytes: Uint8Array): CertifiedCheckpoint {
  return certifiedCheckpointFromRlp(decodeTop(bytes, CERTIFIED_CHECKPOINT_LIMITS, "certifiedCheckpoint"));
}
