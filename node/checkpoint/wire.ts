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
  uintFromRlp,
  uintToRlp,
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
  /**
   * Set on a re-gossip only: gossipsub drops a payload it saw in the last minutes by its content id, so each
   * re-gossip carries a new id to reach a peer that missed the first (as transaction batches do).
   */
  gossipId?: bigint;
}

/** Far above the ~150 B a message takes, well under the topic's 512 B limit. */
export const MAX_CHECKPOINT_SIGNATURE_MESSAGE_BYTES = 256;

/** RLP: [number, checkpointHash, signer, signature] or, re-gossiped, [number, checkpointHash, signer, signature, gossipId]. */
export function encodeCheckpointSignature(m: CheckpointSignatureMessage): Uint8Array {
  const fields = [
    safeIntToRlp(m.number, "checkpointSig.number"),
    hashToRlp(m.checkpointHash, "checkpointSig.checkpointHash"),
    addressToRlp(m.signer, "checkpointSig.signer"),
    signatureToRlp(m.signature, "checkpointSig.signature"),
  ];
  if (m.gossipId !== undefined) fields.push(uintToRlp(m.gossipId, "checkpointSig.gossipId", 8));
  return encodeRlpItem(fields);
}

export function decodeCheckpointSignature(bytes: Uint8Array): CheckpointSignatureMessage {
  if (bytes.length > MAX_CHECKPOINT_SIGNATURE_MESSAGE_BYTES)
    throw new RlpError(
      `checkpointSig: ${bytes.length} bytes is over ${MAX_CHECKPOINT_SIGNATURE_MESSAGE_BYTES}`,
    );
  const item = decodeRlpStrict(bytes);
  const withId = Array.isArray(item) && item.length === 5;
  const [number, hash, signer, signature, gossipId] = rlpList(item, withId ? 5 : 4, "checkpointSig");
  const message: CheckpointSignatureMessage = {
    number: safeIntFromRlp(number, "checkpointSig.number"),
    checkpointHash: hashFromRlp(hash, "checkpointSig.checkpointHash"),
    signer: addressFromRlp(signer, "checkpointSig.signer"),
    signature: signatureFromRlp(signature, "checkpointSig.signature"),
  };
  if (withId) message.gossipId = uintFromRlp(gossipId, "checkpointSig.gossipId", 8);
  return message;
}
