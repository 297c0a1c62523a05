import { z } from "zod";
import type { Commit } from "../shapes.ts";
import { addressWire, countWire, decimalWire, hashWire, signatureWire } from "./wire.ts";

/** outrigger_status: the head and the node's view of the network. */
export const nodeStatusSchema = z.object({
  chainId: decimalWire,
  height: countWire,
  /** null before the first block. */
  hash: hashWire.nullable(),
  /** Unix milliseconds of the head block; null before the first block. */
  time: countWire.nullable(),
  epoch: countWire,
  epochLength: countWire,
  syncing: z.boolean(),
  /** Best height a peer has reported; null when unknown. */
  highestKnownHeight: countWire.nullable(),
  peers: countWire,
  /** This node's validator address, or null if it runs without a validator key. */
  validator: addressWire.nullable(),
});
export type NodeStatusInfo = z.output<typeof nodeStatusSchema>;

/** outrigger_validators: the set that signs `height`. */
export const validatorsSchema = z.object({
  height: countWire,
  epoch: countWire,
  totalPower: decimalWire,
  validators: z.array(z.object({ address: addressWire, power: decimalWire })),
});
export type ValidatorsInfo = z.output<typeof validatorsSchema>;

export const commitSigSchema = z.object({ validator: addressWire, signature: signatureWire });

/** outrigger_commit: the precommits that committed a height, in the Commit shape blocks carry. */
export const commitSchema = z.object({
  height: countWire,
  round: countWire,
  blockHash: hashWire,
  signatures: z.array(commitSigSchema),
}) satisfies z.ZodType<Commit>;
