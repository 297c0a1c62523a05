import type { Address, SignatureHex } from "../crypto/index.ts";
import { decodeRlpStrict, encodeRlpItem, type Hex, RlpError, rlpList } from "../crypto/index.ts";
import {
  addressFromRlp,
  addressToRlp,
  hashFromRlp,
  hashToRlp,
  safeIntFromRlp,
  safeIntToRlp,
  signatureFromRlp,
  signatureToRlp,
} from "../types/fields.ts";

/** A validator's signature over a checkpoint, as gossiped on "checkpoint-sig". */
export interface CheckpointSignatureMessage {
  number: number;
  /**
   * The EIP-712 struct hash of the checkpoint the signer computed, so a node tells a signer who built a different
   * checkpoint from a bad signature.
   */
  checkpointHash: Hex;
  signer: Address;
  signature: SignatureHex;
}

/** Far above the ~150 B a message takes, well under the topic's 512 B limit. */
export const MAX_CHECKPOINT_SIGNATURE_MESSAGE_BYTES = 256;

/** RLP: [number, checkpointHash, signer, signature]. */
export function encodeCheckpointSignature(m: CheckpointSignatureMessage): Uint8Array {
  return encodeRlpItem([
    safeIntToRlp(m.number, "checkpointSig.number"),
    hashToRlp(m.checkpointHash, "checkpointSig.checkpointHash"),
    addressToRlp(m.signer, "checkpointSig.signer"),
    signatureToRlp(m.signature, "checkpointSig.signature"),
  ]);
}

export function decodeCheckpointSignature(bytes: Uint8Array): CheckpointSignatureMessage {
  if (bytes.length > MAX_CHECKPOINT_SIGNATURE_MESSAGE_BYTES)
    throw new RlpError(
      `checkpointSig: ${bytes.length} bytes is over ${MAX_CHECKPOINT_SIGNATURE_MESSAGE_BYTES}`,
    );
  const [number, hash, signer, signature] = rlpList(decodeRlpStrict(bytes), 4, "checkpointSig");
  return {
    number: safeIntFromRlp(number, "checkpointSig.number"),
    checkpointHash: hashFromRlp(hash, "checkpointSig.checkpointHash"),
    signer: addressFromRlp(signer, "checkpointSig.signer"),
    signature: signatureFromRlp(signature, "checkpointSig.signature"),
  };
}
