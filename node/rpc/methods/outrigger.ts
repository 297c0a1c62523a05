import { z } from "zod";
import { RlpError } from "../../crypto/index.ts";
import { encodeDepositClaim } from "../../types/depositClaim.ts";
import type { Commit, DepositClaim, Validator } from "../../types/shapes.ts";
import type { BlockRecord, BridgeInfo, CheckpointRecord, DepositView, RpcBackend } from "../backend.ts";
import { RpcError, RpcErrorCode } from "../errors.ts";
import type { Json } from "../ethJson.ts";
import { decimal } from "../format.ts";
import { addressSchema, hashSchema, quantitySchema, safeIntSchema } from "../schemas.ts";
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

/** A withdrawal id: a JSON integer, a decimal string or a hex quantity. */
const withdrawalIdSchema = z.union(
  [
    z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).transform(BigInt),
    z
      .string()
      .regex(/^(0|[1-9][0-9]{0,77})$/)
      .transform(BigInt),
    quantitySchema,
  ],
  { error: "expected a withdrawal id (integer, decimal string or hex quantity)" },
);

/** A deposit nonce: the same forms as a withdrawal id. */
const nonceSchema = withdrawalIdSchema;

const uint256Schema = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,77})$/, "expected a decimal string")
  .transform(BigInt)
  .refine((v) => v < 2n ** 256n, "does not fit uint256");

/** The relayer's claim: the Deposited event's fields and the L1 transaction that emitted it. */
const depositClaimSchema = z
  .strictObject(
    {
      nonce: nonceSchema,
      token: addressSchema,
      from: addressSchema,
      to: addressSchema,
      amount: uint256Schema,
      name: z.string(),
      symbol: z.string(),
      decimals: z.number().int().min(0).max(255),
      l1TxHash: hashSchema,
    },
    { error: "expected a deposit claim {nonce, token, from, to, amount, name, symbol, decimals, l1TxHash}" },
  )
  .transform((c, ctx): DepositClaim => {
    const claim: DepositClaim = {
      nonce: c.nonce,
      l1Token: c.token,
      from: c.from,
      to: c.to,
      amount: c.amount,
      name: c.name,
      symbol: c.symbol,
      decimals: c.decimals,
      l1TxHash: c.l1TxHash,
    };
    try {
      // The wire codec's limits (name and symbol length, well-formed text) are the claim's limits everywhere.
      encodeDepositClaim(claim);
    } catch (err) {
      if (!(err instanceof RlpError)) throw err;
      ctx.addIssue({ code: "custom", message: err.message });
      return z.NEVER;
    }
    return claim;
  });

function bridgeInfoJson(info: BridgeInfo): Json {
  return {
    l1ChainId: decimal(info.l1ChainId),
    checkpointManager: info.checkpointManager,
    bridge: info.bridge,
    deploymentBlock: info.deploymentBlock,
    confirmations: info.confirmations,
    systemContracts: info.systemContracts,
    nextDepositNonce: decimal(info.nextDepositNonce),
    nextWithdrawalId: decimal(info.nextWithdrawalId),
    tokens: info.tokens.map((t) => ({
      l1Token: t.l1Token,
      l2Token: t.l2Token,
      name: t.name,
      symbol: t.symbol,
      decimals: t.decimals,
      totalSupply: decimal(t.totalSupply),
    })),
  };
}

function depositJson(d: DepositView): Json {
  return {
    nonce: decimal(d.nonce),
    status: d.status,
    l1Token: d.l1Token,
    l2Token: d.l2Token,
    from: d.from,
    to: d.to,
    amount: decimal(d.amount),
    l1TxHash: d.l1TxHash,
    height: d.height,
  };
}

function checkpointJson(record: CheckpointRecord): Json {
  const { checkpoint, signatures } = record.certified;
  return {
    sidechainId: decimal(checkpoint.sidechainId),
    number: checkpoint.number,
    startHeight: checkpoint.startHeight,
    endHeight: checkpoint.endHeight,
    blocksRoot: checkpoint.blocksRoot,
    withdrawalsRoot: checkpoint.withdrawalsRoot,
    nextValidatorSetHash: checkpoint.nextValidatorSetHash,
    signers: signatures.map((s) => s.validator),
    signatures: signatures.map((s) => ({ validator: s.validator, signature: s.signature })),
    l1: { status: record.l1.status, txHash: record.l1.txHash },
  };
}

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
  defineMethod("outrigger_checkpoint", [checkpointNumberSchema], async ([number], { backend }) => {
    const record = await backend.getCheckpoint(number);
    return record === null ? null : checkpointJson(record);
  }),
  defineMethod(
    "outrigger_checkpoints",
    [checkpointFromSchema, countSchema],
    async ([from, count], { backend }) => (await backend.getCheckpoints(from, count)).map(checkpointJson),
  ),
  defineMethod("outrigger_bridgeInfo", [], async (_, { backend }) => {
    const info = await backend.bridgeInfo();
    if (info === null) throw new RpcError(RpcErrorCode.Server, "the chain has no L1 bridge");
    return bridgeInfoJson(info);
  }),
  defineMethod("outrigger_deposit", [nonceSchema], async ([nonce], { backend }) => {
    const deposit = await backend.getDeposit(nonce);
    return deposit === null ? null : depositJson(deposit);
  }),
  defineMethod("outrigger_submitDepositClaim", [depositClaimSchema], async ([claim], { backend }) => {
    const result = await backend.submitDepositClaim(claim);
    if (!result.ok) throw new RpcError(RpcErrorCode.Server, result.message);
    return { nonce: decimal(claim.nonce), status: result.status };
  }),
  defineMethod("outrigger_withdrawalProof", [withdrawalIdSchema], async ([id], { backend }) => {
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
      default:
        return {
          checkpointNumber: result.checkpointNumber,
          withdrawal: {
            id: decimal(result.withdrawal.id),
            token: result.withdrawal.l1Token,
            recipient: result.withdrawal.l1Recipient,
            amount: decimal(result.withdrawal.amount),
          },
          proof: result.proof,
          root: result.root,
        };
    }
  }),
];
