import { z } from "zod";
import type { Checkpoint, CommitSig, Withdrawal } from "../shapes.ts";
import { commitSigSchema } from "./node.ts";
import { addressWire, countWire, decimalWire, hashWire } from "./wire.ts";

/** Where a certified checkpoint stands on L1; "pending" until the node can see it there. */
export const checkpointL1StatusSchema = z.object({
  status: z.enum(["pending", "submitted", "confirmed"]),
  txHash: hashWire.nullable(),
});
export type CheckpointL1Status = z.output<typeof checkpointL1StatusSchema>;

/** A certified checkpoint and its L1 status, as outrigger_checkpoint(s) serve it. */
export interface CheckpointInfo {
  checkpoint: Checkpoint;
  signatures: CommitSig[];
  l1: CheckpointL1Status;
}

/** On the wire the checkpoint's fields are flat, with the signers' addresses listed on their own for readers. */
const checkpointJsonSchema = z.object({
  sidechainId: decimalWire,
  number: countWire,
  startHeight: countWire,
  endHeight: countWire,
  blocksRoot: hashWire,
  withdrawalsRoot: hashWire,
  nextValidatorSetHash: hashWire,
  signers: z.array(addressWire),
  signatures: z.array(commitSigSchema),
  l1: checkpointL1StatusSchema,
});

/** outrigger_checkpoint (nullable) and each element of outrigger_checkpoints. */
export const checkpointInfoSchema = z.codec(checkpointJsonSchema, z.custom<CheckpointInfo>(), {
  decode: ({ signers: _derived, signatures, l1, ...checkpoint }) => ({ checkpoint, signatures, l1 }),
  encode: ({ checkpoint, signatures, l1 }) => ({
    ...checkpoint,
    signers: signatures.map((s) => s.validator),
    signatures,
    l1,
  }),
});

/** A withdrawal named as Bridge.exit names its fields. */
const withdrawalSchema = z.codec(
  z.object({ id: decimalWire, token: addressWire, recipient: addressWire, amount: decimalWire }),
  z.custom<Withdrawal>(),
  {
    decode: ({ id, token, recipient, amount }) => ({ id, l1Token: token, l1Recipient: recipient, amount }),
    encode: ({ id, l1Token, l1Recipient, amount }) => ({
      id,
      token: l1Token,
      recipient: l1Recipient,
      amount,
    }),
  },
);

/** outrigger_withdrawalProof: what Bridge.exit needs for one withdrawal. */
export const withdrawalProofSchema = z.object({
  checkpointNumber: countWire,
  withdrawal: withdrawalSchema,
  proof: z.array(hashWire),
  root: hashWire,
});
export type WithdrawalProof = z.output<typeof withdrawalProofSchema>;
