import { z } from "zod";
import type { BlockRecord } from "../backend.ts";
import { RpcError, RpcErrorCode } from "../errors.ts";
import type { Json } from "../ethJson.ts";
import type { BlockFilter, Filter, LogFilter } from "../filters.ts";
import { matchingLogs } from "../logs.ts";
import { logFilterSchema, type NumberOrTagRef } from "../schemas.ts";
import { defineMethod, inHeavySlot, type MethodContext, type RpcMethod } from "./define.ts";
import { getLogs } from "./ethBlocks.ts";

/** A poll that scans more blocks than this (a filter polled rarely) waits for a heavy-call slot, as eth_getLogs. */
const LIGHT_POLL_BLOCKS = 16;

const filterIdSchema = z.string({ error: "expected a filter id" }).max(128, "expected a filter id");

/** geth's answer for an unknown, expired or uninstalled filter, which ethers and viem recognise. */
function filterNotFound(): RpcError {
  return new RpcError(RpcErrorCode.Server, "filter not found");
}

function found(ctx: MethodContext, id: string): Filter {
  const filter = ctx.filters.get(id);
  if (filter === undefined) throw filterNotFound();
  return filter;
}

async function blockAt(ctx: MethodContext, height: number): Promise<BlockRecord> {
  await ctx.work.checkpoint();
  const record = await ctx.backend.getBlockByHeight(height);
  if (record === null) throw new Error(`block ${height} at or below the head is missing`);
  return record;
}

/**
 * Where a bound of a log filter stops its live changes, as geth filters them: a number (or earliest) bounds them,
 * a tag that follows the head (latest, safe, finalized, pending) does not.
 */
function liveBound(ref: NumberOrTagRef | null): number | null {
  if (ref === null) return null;
  if (ref.kind === "number") return ref.height;
  return ref.tag === "earliest" ? 0 : null;
}

/** Hashes of the blocks committed since the last poll; the cursor moves only past what is returned. */
async function blockChanges(filter: BlockFilter, ctx: MethodContext): Promise<Json[]> {
  const end = Math.min(ctx.backend.headHeight(), filter.cursor + ctx.limits.maxLogBlockRange);
  const out: Json[] = [];
  for (let height = filter.cursor + 1; height <= end; height++) out.push((await blockAt(ctx, height)).hash);
  // A request that ran out of time is answered with an error: what it found stays for the next poll.
  ctx.work.check();
  filter.cursor = Math.max(filter.cursor, end);
  return out;
}

/**
 * Logs of the blocks committed since the last poll within the filter's fromBlock/toBlock. A poll covers at most
 * maxLogBlockRange blocks and stops after the block that reaches maxLogResults: the rest comes with the next poll.
 */
async function logChanges(filter: LogFilter, ctx: MethodContext): Promise<Json[]> {
  const { criteria, matcher } = filter;
  if (criteria.blockHash !== null) return [];
  const { maxLogBlockRange, maxLogResults } = ctx.limits;
  const end = Math.min(ctx.backend.headHeight(), filter.cursor + maxLogBlockRange);
  const first = Math.max(filter.cursor + 1, liveBound(criteria.fromBlock) ?? 0);
  const last = Math.min(end, liveBound(criteria.toBlock) ?? end);
  const out: Json[] = [];
  let delivered = end;
  for (let height = first; height <= last; height++) {
    out.push(...matchingLogs(await blockAt(ctx, height), matcher));
    if (out.length >= maxLogResults && height < last) {
      delivered = height;
      break;
    }
  }
  ctx.work.check();
  filter.cursor = Math.max(filter.cursor, delivered);
  return out;
}

function changes(filter: Filter, ctx: MethodContext): Promise<Json[]> {
  ctx.filters.touch(filter);
  return ctx.filters.serialized(filter, async () => {
    if (filter.kind === "pending") return ctx.filters.takePending(filter);
    const poll = () => (filter.kind === "block" ? blockChanges(filter, ctx) : logChanges(filter, ctx));
    return ctx.backend.headHeight() - filter.cursor > LIGHT_POLL_BLOCKS ? inHeavySlot(ctx, poll) : poll();
  });
}

export const filterMethods: RpcMethod[] = [
  defineMethod("eth_newFilter", [logFilterSchema], ([criteria], ctx) => {
    const from = criteria.fromBlock?.kind === "number" ? criteria.fromBlock.height : null;
    const to = criteria.toBlock?.kind === "number" ? criteria.toBlock.height : null;
    if (from !== null && to !== null && from > to) {
      throw new RpcError(
        RpcErrorCode.InvalidParams,
        `invalid params: fromBlock ${from} is after toBlock ${to}`,
      );
    }
    return ctx.filters.install(ctx.client, { kind: "logs", criteria });
  }),
  defineMethod("eth_newBlockFilter", [], (_, ctx) => ctx.filters.install(ctx.client, { kind: "block" })),
  defineMethod("eth_newPendingTransactionFilter", [], (_, ctx) =>
    ctx.filters.install(ctx.client, { kind: "pending" }),
  ),
  defineMethod("eth_getFilterChanges", [filterIdSchema], ([id], ctx) => changes(found(ctx, id), ctx)),
  defineMethod("eth_getFilterLogs", [filterIdSchema], ([id], ctx) => {
    const filter = found(ctx, id);
    if (filter.kind !== "logs") throw filterNotFound();
    return inHeavySlot(ctx, () => getLogs(filter.criteria, ctx));
  }),
  defineMethod("eth_uninstallFilter", [filterIdSchema], ([id], ctx) => ctx.filters.uninstall(id)),
];
