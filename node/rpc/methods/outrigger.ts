import { z } from "zod";
import type { Commit, Validator } from "../../types/shapes.ts";
import type { BlockRecord, RpcBackend } from "../backend.ts";
import type { Json } from "../ethJson.ts";
import { decimal } from "../format.ts";
import { safeIntSchema } from "../schemas.ts";
import { defineMethod, type RpcMethod } from "./define.ts";

/**
 * The outrigger_* namespace uses plain JSON numbers for heights, rounds and counts (safe integers in our types)
 * and decimal strings for amounts and powers, the same formats as the genesis file.
 */

/** A height as a JSON integer, a hex quantity or "latest". */
const heightSchema = z.union(
  [
    z
      .number()
      .int("a height must be an integer")
      .nonnegative("a height cannot be negative")
      .max(Number.MAX_SAFE_INTEGER, "height is too large"),
    z.literal("latest"),
    safeIntSchema,
  ],
  { error: 'expected a height (integer, hex quantity or "latest")' },
);

function epochOf(height: number, epochLength: number): number {
  return Math.ceil(Math.max(height, 1) / epochLength);
}

function commitJson(commit: Commit): Json {
  return {
    height: commit.height,
    round: commit.round,
    blockHash: commit.blockHash,
    signatures: commit.signatures.map((s) => ({ validator: s.validator, signature: s.signature })),
  };
}

function validatorsJson(height: number, validators: Validator[], epochLength: number): Json {
  return {
    height,
    epoch: epochOf(height, epochLength),
    totalPower: decimal(validators.reduce((sum, v) => sum + v.power, 0n)),
    validators: validators.map((v) => ({ address: v.address, power: decimal(v.power) })),
  };
}

async function statusJson(backend: RpcBackend): Promise<Json> {
  const head = backend.headHeight();
  const [status, record] = await Promise.all([
    backend.status(),
    head > 0 ? backend.getBlockByHeight(head) : Promise.resolve<BlockRecord | null>(null),
  ]);
  const { chainId, epochLength } = backend.chain;
  return {
    chainId: decimal(chainId),
    height: head,
    hash: record?.hash ?? null,
    /** Unix milliseconds of the head block. */
    time: record?.block.header.time ?? null,
    epoch: epochOf(head, epochLength),
    epochLength,
    syncing: status.syncing,
    highestKnownHeight: status.highestKnownHeight,
    peers: status.peers,
    validator: status.validator,
  };
}

export const outriggerMethods: RpcMethod[] = [
  defineMethod("outrigger_status", [], (_, { backend }) => statusJson(backend)),
  // Without a height: the set that signs the next block, i.e. the validators now in charge.
  defineMethod("outrigger_validators", [heightSchema.optional()], async ([at], { backend }) => {
    const height = at === undefined || at === "latest" ? backend.headHeight() + 1 : at;
    const validators = await backend.getValidators(height);
    return validators === null ? null : validatorsJson(height, validators, backend.chain.epochLength);
  }),
  defineMethod("outrigger_commit", [heightSchema], async ([at], { backend }) => {
    const height = at === "latest" ? backend.headHeight() : at;
    const commit = await backend.getCommit(height);
    return commit === null ? null : commitJson(commit);
  }),
];
