import { z } from "zod";
import { bridgeInfoSchema, depositViewSchema, submittedClaimSchema } from "./bridge.ts";
import { checkpointInfoSchema, withdrawalProofSchema } from "./checkpoint.ts";
import { evidenceListSchema } from "./evidence.ts";
import { commitSchema, nodeStatusSchema, validatorsSchema } from "./node.ts";
import { txStatusSchema } from "./txStatus.ts";

/**
 * The result of every outrigger_* method, by name (DESIGN.md §6). The server encodes its answers with these and
 * clients decode them with the same schemas, so a field renamed on one side fails the type-check on the other.
 * null is the answer when the thing asked for does not exist (yet).
 */
export const outriggerResultSchemas = {
  outrigger_status: nodeStatusSchema,
  outrigger_validators: validatorsSchema.nullable(),
  outrigger_commit: commitSchema.nullable(),
  outrigger_checkpoint: checkpointInfoSchema.nullable(),
  outrigger_checkpoints: z.array(checkpointInfoSchema),
  outrigger_withdrawalProof: withdrawalProofSchema,
  outrigger_bridgeInfo: bridgeInfoSchema,
  outrigger_deposit: depositViewSchema.nullable(),
  outrigger_submitDepositClaim: submittedClaimSchema,
  outrigger_txStatus: txStatusSchema.nullable(),
  outrigger_evidence: evidenceListSchema.nullable(),
} as const;

export type OutriggerMethod = keyof typeof outriggerResultSchemas;

/** A method's result in our types (bigints, nested shapes). */
export type OutriggerResult<M extends OutriggerMethod> = z.output<(typeof outriggerResultSchemas)[M]>;

/** A method's result as JSON on the wire. */
export type OutriggerResultJson<M extends OutriggerMethod> = z.input<(typeof outriggerResultSchemas)[M]>;

// Seen through this mapped type, indexing by a generic method keeps the pairing of schema and types.
const typedSchemas: { [M in OutriggerMethod]: z.ZodType<OutriggerResult<M>, OutriggerResultJson<M>> } =
  outriggerResultSchemas;

/** The schema of one method's result, typed by the method's name. */
export function outriggerResultSchema<M extends OutriggerMethod>(
  method: M,
): z.ZodType<OutriggerResult<M>, OutriggerResultJson<M>> {
  return typedSchemas[method];
}

/** The wire JSON of a result; throws a ZodError if the value breaks the schema (a bug of the server). */
export function encodeOutriggerResult<M extends OutriggerMethod>(
  method: M,
  value: OutriggerResult<M>,
): OutriggerResultJson<M> {
  return z.encode(outriggerResultSchema(method), value);
}
