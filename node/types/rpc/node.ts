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

/** A validator's standing in the latest committed state (whatever height the set was asked for). */
export const validatorStandingSchema = z.object({
  /** Bonded stake in base units (power = stake / 10^18 from the next epoch). */
  stake: decimalWire,
  /** Out of the set from the next epoch end until it unjails. */
  jailed: z.boolean(),
  /** The first height whose block may carry its unjail() (0: never jailed). */
  jailedUntil: countWire,
  /** All ever slashed from it, in base units. */
  slashed: decimalWire,
  /** Missed precommits in the downtime window. */
  missedInWindow: countWire,
});
export type ValidatorStanding = z.output<typeof validatorStandingSchema>;

/** outrigger_validators: the set that signs `height`, each with its standing now. */
export const validatorsSchema = z.object({
  height: countWire,
  epoch: countWire,
  totalPower: decimalWire,
  validators: z.array(
    z.object({ address: addressWire, power: decimalWire }).extend(validatorStandingSchema.shape),
  ),
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
