import { z } from "zod";
import {
  type CheckpointInfo,
  depositClaimParamSchema,
  type EvidenceInfo,
  encodeOutriggerResult,
  type OutriggerMethod,
  type OutriggerResult,
  uintParamWire,
} from "../../types/rpc/index.ts";
import type { Validator, Vote } from "../../types/shapes.ts";
import type { BlockRecord, CheckpointRecord, HeldEvidence, RpcBackend } from "../backend.ts";
import { RpcError, RpcErrorCode } from "../errors.ts";
import { hashSchema, safeIntSchema } from "../schemas.ts";
import { defineMethod, type MethodContext, type Outputs, type RpcMethod } from "./define.ts";

/**
 * The outrigger_* namespace uses plain JSON numbers for heights, rounds and counts (safe integers in our types)
 * and decimal strings for amounts and powers, the same formats as the genesis file. Results are declared, and
 * encoded, by the shared schemas of node/types/rpc, which the bridge decodes them with.
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

/** Most checkpoints one outrigger_checkpoints call returns. */
const MAX_CHECKPOINTS_PER_CALL = 100;

const checkpointNumberOnly = z
  .number()
  .int("a checkpoint number must be an integer")
  .nonnegative("a checkpoint number cannot be negative")
  .max(Number.MAX_SAFE_INTEGER, "checkpoint number is too large");

const checkpointNumberSchema = z.union([checkpointNumberOnly, z.literal("latest"), safeIntSchema], {
  error: 'expected a checkpoint number (integer, hex quantity or "latest")',
});

const checkpointFromSchema = z.union([checkpointNumberOnly, safeIntSchema], {
  error: "expected a checkpoint number (integer or hex quantity)",
});

const countSchema = z
  .union([z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER), safeIntSchema], {
    error: "expected a count (integer or hex quantity)",
  })
  .refine((n) => n <= MAX_CHECKPOINTS_PER_CALL, `at most ${MAX_CHECKPOINTS_PER_CALL} checkpoints per call`);

const withdrawalIdSchema = uintParamWire("a withdrawal id");

const nonceSchema = uintParamWire("a deposit nonce");

function checkpointInfo(record: CheckpointRecord): CheckpointInfo {
  return { ...record.certified, l1: record.l1 };
}

function epochOf(height: number, epochLength: number): number {
  return Math.ceil(Math.max(height, 1) / epochLength);
}

function evidenceInfo({ hash, evidence }: HeldEvidence): EvidenceInfo {
  const { voteA, voteB } = evidence;
  const signed = (v: Vote) => ({ blockHash: v.blockHash, signature: v.signature });
  return {
    hash,
    validator: voteA.validator,
    height: voteA.height,
    round: voteA.round,
    type: voteA.type,
    voteA: signed(voteA),
    voteB: signed(voteB),
  };
}

async function validatorsInfo(
  height: number,
  validators: Validator[],
  backend: RpcBackend,
): Promise<OutriggerResult<"outrigger_validators">> {
  return {
    height,
    epoch: epochOf(height, backend.chain.epochLength),
    totalPower: validators.reduce((sum, v) => sum + v.power, 0n),
    validators: await Promise.all(
      validators.map(async (v) => ({
        address: v.address,
        power: v.power,
        ...(await backend.getValidatorStanding(v.address)),
      })),
    ),
  };
}

async function nodeStatus(backend: RpcBackend): Promise<OutriggerResult<"outrigger_status">> {
  const head = backend.headHeight();
  const [status, record] = await Promise.all([
    backend.status(),
    head > 0 ? backend.getBlockByHeight(head) : Promise.resolve<BlockRecord | null>(null),
  ]);
  const { chainId, epochLength } = backend.chain;
  return {
    chainId,
    height: head,
    hash: record?.hash ?? null,
    time: record?.block.header.time ?? null,
    epoch: epochOf(head, epochLength),
    epochLength,
    syncing: status.syncing,
    highestKnownHeight: status.highestKnownHeight,
    peers: status.peers,
    validator: status.validator,
  };
}

/** A method whose result has the declared type of the shared schema, and is encoded by it. */
function defineOutrigger<M extends OutriggerMethod, const S extends readonly z.ZodType[]>(
  name: M,
  params: S,
  handler: (args: Outputs<S>, ctx: MethodContext) => Promise<OutriggerResult<M>>,
): RpcMethod {
  return defineMethod(name, params, async (args, ctx) =>
    encodeOutriggerResult(name, await handler(args, ctx)),
  );
}

export const outriggerMethods: RpcMethod[] = [
  defineOutrigger("outrigger_status", [], (_, { backend }) => nodeStatus(backend)),
  // Without a height: the set that signs the next block, i.e. the validators now in charge.
  defineOutrigger("outrigger_validators", [heightSchema.optional()], async ([at], { backend }) => {
    const height = at === undefined || at === "latest" ? backend.headHeight() + 1 : at;
    const validators = await backend.getValidators(height);
    return validators === null ? null : validatorsInfo(height, validators, backend);
  }),
  defineOutrigger("outrigger_commit", [heightSchema], async ([at], { backend }) =>
    backend.getCommit(at === "latest" ? backend.headHeight() : at),
  ),
  defineOutrigger("outrigger_checkpoint", [checkpointNumberSchema], async ([number], { backend }) => {
    const record = await backend.getCheckpoint(number);
    return record === null ? null : checkpointInfo(record);
  }),
  defineOutrigger(
    "outrigger_checkpoints",
    [checkpointFromSchema, countSchema],
    // No checkpoint is numbered past the largest safe integer: a range running past it is cut there, so the
    // backend is never asked for numbers it cannot represent.
    async ([from, count], { backend }) =>
      (await backend.getCheckpoints(from, Math.min(count, Number.MAX_SAFE_INTEGER - from + 1))).map(
        checkpointInfo,
      ),
  ),
  defineOutrigger("outrigger_bridgeInfo", [], async (_, { backend }) => {
    const info = await backend.bridgeInfo();
    if (info === null) throw new RpcError(RpcErrorCode.Server, "the chain has no L1 bridge");
    return info;
  }),
  defineOutrigger("outrigger_deposit", [nonceSchema], async ([nonce], { backend }) =>
    backend.getDeposit(nonce),
  ),
  // Without a height: the evidence this node holds for a coming block.
  defineOutrigger("outrigger_evidence", [heightSchema.optional()], async ([at], { backend }) => {
    const height = at === undefined ? null : at === "latest" ? backend.headHeight() : at;
    const held = await backend.getEvidence(height);
    return held === null ? null : { height, evidence: held.map(evidenceInfo) };
  }),
  defineOutrigger("outrigger_txStatus", [hashSchema], async ([hash], { backend }) =>
    backend.getTxStatus(hash),
  ),
  defineOutrigger("outrigger_submitDepositClaim", [depositClaimParamSchema], async ([claim], { backend }) => {
    const result = await backend.submitDepositClaim(claim);
    if (!result.ok) throw new RpcError(RpcErrorCode.Server, result.message);
    return { nonce: claim.nonce, status: result.status };
  }),
  defineOutrigger("outrigger_withdrawalProof", [withdrawalIdSchema], async ([id], { backend }) => {
    const result = await backend.getWithdrawalProof(id);
    switch (result.kind) {
      case "disabled":
        throw new RpcError(RpcErrorCode.Server, "checkpoints are disabled: the chain has no L1");
      case "not-found":
        throw new RpcError(RpcErrorCode.Server, `withdrawal ${id} not found`);
      case "not-checkpointed":
        throw new RpcError(
          RpcErrorCode.Server,
          `withdrawal ${id} (height ${result.height}) is not yet checkpointed: checkpoint ${result.checkpointNumber} is not certified in the chain yet`,
        );
      default: {
        const { checkpointNumber, withdrawal, proof, root } = result;
        return { checkpointNumber, withdrawal, proof, root };
      }
    }
  }),
];
