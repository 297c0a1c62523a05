import { z } from "zod";
import type { BlockRecord } from "../backend.ts";
import { heightOf, resolveBlock } from "../blockRef.ts";
import { RpcError, RpcErrorCode, RpcLimitError } from "../errors.ts";
import { blockJson, blockTxCount, committedTxJson, type Json, receiptJson } from "../ethJson.ts";
import { paidTips } from "../feeOracle.ts";
import { quantity } from "../format.ts";
import { logMatcher, matchingLogs } from "../logs.ts";
import {
  blockNumberOrTagSchema,
  blockRefSchema,
  booleanSchema,
  hashSchema,
  logFilterSchema,
  safeIntSchema,
} from "../schemas.ts";
import { defineMethod, inHeavySlot, type MethodContext, type RpcMethod } from "./define.ts";

const indexSchema = safeIntSchema;

function txAt(record: BlockRecord | null, index: number): Json {
  if (record === null || index >= blockTxCount(record)) return null;
  return committedTxJson(record, index);
}

/** eth_getLogs: the matching logs of the filter's block range (or block hash), within the range and result limits. */
export async function getLogs(filter: z.output<typeof logFilterSchema>, ctx: MethodContext): Promise<Json[]> {
  const { backend, limits } = ctx;
  const matcher = logMatcher(filter.addresses, filter.topics);
  if (filter.blockHash !== null) {
    const record = await backend.getBlockByHash(filter.blockHash);
    if (record === null) throw new RpcError(RpcErrorCode.Server, `unknown block ${filter.blockHash}`);
    return matchingLogs(record, matcher);
  }
  const head = backend.headHeight();
  const from = heightOf(filter.fromBlock ?? { kind: "tag", tag: "latest" }, head);
  const requestedTo = heightOf(filter.toBlock ?? { kind: "tag", tag: "latest" }, head);
  if (from > requestedTo) {
    throw new RpcError(
      RpcErrorCode.InvalidParams,
      `invalid params: fromBlock ${from} is after toBlock ${requestedTo}`,
    );
  }
  // Nothing exists past the head, so the range ends there (geth does the same for "latest").
  const to = Math.min(requestedTo, head);
  if (to - from + 1 > limits.maxLogBlockRange) {
    throw new RpcLimitError(
      "log-range",
      `block range too large: ${to - from + 1} blocks, the limit is ${limits.maxLogBlockRange}`,
    );
  }
  const out: Json[] = [];
  // From block 0, the genesis block, which has no logs but is a block like any other.
  for (let height = from; height <= to; height++) {
    await ctx.work.checkpoint();
    const record = await backend.getBlockByHeight(height);
    if (record === null) throw new Error(`block ${height} at or below the head ${head} is missing`);
    out.push(...matchingLogs(record, matcher));
    if (out.length > limits.maxLogResults) {
      throw new RpcLimitError(
        "log-results",
        `query returned more than ${limits.maxLogResults} results; narrow the block range or the filter`,
      );
    }
  }
  return out;
}

/** geth accepts the block count as a hex quantity or a plain JSON number. */
const blockCountSchema = z.union(
  [
    z
      .number()
      .int("a block count must be an integer")
      .nonnegative("a block count cannot be negative")
      .max(Number.MAX_SAFE_INTEGER, "block count is too large"),
    safeIntSchema,
  ],
  {
    error: "expected a block count (hex quantity or integer)",
  },
);

const percentilesSchema = z
  .array(z.number({ error: "percentiles must be numbers" }).min(0).max(100), {
    error: "expected an array of percentiles",
  })
  .max(100, "at most 100 percentiles")
  .refine((ps) => ps.every((p, i) => i === 0 || p >= (ps[i - 1] ?? 0)), "percentiles must be non-decreasing");

/** Tips paid in a block at the given gas-weighted percentiles, as geth computes them (0 for an empty block). */
function rewards(record: BlockRecord, percentiles: number[]): Json[] {
  const txs = paidTips(record);
  const total = txs.reduce((sum, t) => sum + t.gasUsed, 0n);
  if (txs.length === 0 || total === 0n) return percentiles.map(() => "0x0");
  let i = 0;
  let sum = txs[0]?.gasUsed ?? 0n;
  return percentiles.map((p) => {
    // Percentiles in basis points of a percent, so fractional ones like 12.5 stay exact enough.
    const threshold = (total * BigInt(Math.round(p * 100))) / 10_000n;
    while (sum < threshold && i < txs.length - 1) {
      i++;
      sum += txs[i]?.gasUsed ?? 0n;
    }
    return quantity(txs[i]?.tip ?? 0n);
  });
}

/** The base fee of block `height + 1`: the next block's when `height` is the head. */
async function baseFeeAfter(height: number, { backend }: MethodContext): Promise<bigint> {
  if (height >= backend.headHeight()) return backend.nextBaseFee();
  const next = await backend.getBlockByHeight(height + 1);
  if (next === null) throw new Error(`block ${height + 1} at or below the head is missing`);
  return next.baseFee;
}

async function feeHistory(
  count: number,
  newest: z.output<typeof blockNumberOrTagSchema>,
  percentiles: number[] | undefined,
  ctx: MethodContext,
): Promise<Json> {
  const { backend, limits } = ctx;
  const { blockGasLimit } = backend.chain;
  const baseFees: bigint[] = [];
  const head = backend.headHeight();
  const last = Math.min(heightOf(newest, head), head);
  // Blocks 0 (genesis) to last exist.
  const blocks = Math.min(count, limits.maxFeeHistoryBlocks, last + 1);
  const oldest = last - blocks + 1;
  const gasUsedRatio: number[] = [];
  const reward: Json[] = [];
  for (let height = oldest; height <= last && blocks > 0; height++) {
    const record = await backend.getBlockByHeight(height);
    if (record === null) throw new Error(`block ${height} at or below the head ${head} is missing`);
    const gasUsed = record.receipts.reduce((sum, r) => sum + r.gasUsed, 0n);
    gasUsedRatio.push(blockGasLimit === 0n ? 0 : Number(gasUsed) / Number(blockGasLimit));
    baseFees.push(record.baseFee);
    if (percentiles !== undefined) reward.push(rewards(record, percentiles));
  }
  const out: { [key: string]: Json } = {
    oldestBlock: quantity(blocks > 0 ? oldest : last),
    // One more than the blocks: the base fee of the block after the newest.
    baseFeePerGas: blocks > 0 ? [...baseFees, await baseFeeAfter(last, ctx)].map(quantity) : [],
    gasUsedRatio,
  };
  if (percentiles !== undefined) out.reward = reward;
  return out;
}

export const ethBlockMethods: RpcMethod[] = [
  defineMethod(
    "eth_getBlockByNumber",
    [blockNumberOrTagSchema, booleanSchema.optional()],
    async ([ref, full], ctx) => {
      const record = await resolveBlock(ref, ctx.backend);
      return record === null ? null : blockJson(record, ctx.backend.chain, full === true);
    },
  ),
  defineMethod("eth_getBlockByHash", [hashSchema, booleanSchema.optional()], async ([hash, full], ctx) => {
    const record = await ctx.backend.getBlockByHash(hash);
    return record === null ? null : blockJson(record, ctx.backend.chain, full === true);
  }),
  defineMethod("eth_getBlockTransactionCountByNumber", [blockNumberOrTagSchema], async ([ref], ctx) => {
    const record = await resolveBlock(ref, ctx.backend);
    return record === null ? null : quantity(blockTxCount(record));
  }),
  defineMethod("eth_getBlockTransactionCountByHash", [hashSchema], async ([hash], ctx) => {
    const record = await ctx.backend.getBlockByHash(hash);
    return record === null ? null : quantity(blockTxCount(record));
  }),
  defineMethod(
    "eth_getTransactionByBlockNumberAndIndex",
    [blockNumberOrTagSchema, indexSchema],
    async ([ref, index], ctx) => txAt(await resolveBlock(ref, ctx.backend), index),
  ),
  defineMethod(
    "eth_getTransactionByBlockHashAndIndex",
    [hashSchema, indexSchema],
    async ([hash, index], ctx) => txAt(await ctx.backend.getBlockByHash(hash), index),
  ),
  defineMethod("eth_getBlockReceipts", [blockRefSchema], async ([ref], ctx) => {
    const record = await resolveBlock(ref, ctx.backend);
    return record === null ? null : record.receipts.map((_, i) => receiptJson(record, i));
  }),
  defineMethod("eth_getLogs", [logFilterSchema], ([filter], ctx) =>
    inHeavySlot(ctx, () => getLogs(filter, ctx)),
  ),
  defineMethod(
    "eth_feeHistory",
    [blockCountSchema, blockNumberOrTagSchema, percentilesSchema.optional()],
    ([count, newest, percentiles], ctx) => feeHistory(count, newest, percentiles, ctx),
  ),
];
