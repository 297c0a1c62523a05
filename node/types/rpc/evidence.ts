import { z } from "zod";
import { VoteType } from "../../crypto/index.ts";
import { addressWire, countWire, hashWire, signatureWire } from "./wire.ts";

const signedValueSchema = z.object({
  /** null: the validator voted nil. */
  blockHash: hashWire.nullable(),
  signature: signatureWire,
});

/** One double sign: two votes of `validator` for the same height, round and type, naming different blocks. */
export const evidenceInfoSchema = z.object({
  /** keccak256 of the evidence's canonical encoding. */
  hash: hashWire,
  validator: addressWire,
  height: countWire,
  round: countWire,
  type: z.codec(z.enum(["prevote", "precommit"]), z.enum(VoteType), {
    decode: (name) => (name === "prevote" ? VoteType.Prevote : VoteType.Precommit),
    encode: (type) => (type === VoteType.Prevote ? "prevote" : "precommit"),
  }),
  voteA: signedValueSchema,
  voteB: signedValueSchema,
});
export type EvidenceInfo = z.output<typeof evidenceInfoSchema>;

/** outrigger_evidence: what a committed block carries (`height`), or what this node holds pending (null). */
export const evidenceListSchema = z.object({
  height: countWire.nullable(),
  evidence: z.array(evidenceInfoSchema),
});
