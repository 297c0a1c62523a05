import type { z } from "zod";
import { type ConcurrencyGate, GateFullError } from "../../util/concurrencyGate.ts";
import type { WorkBudget } from "../../util/workBudget.ts";
import type { RpcBackend } from "../backend.ts";
import { invalidParams, RpcLimitError } from "../errors.ts";
import type { Json } from "../ethJson.ts";
import type { FilterRegistry } from "../filters.ts";
import type { LogFilterParams } from "../schemas.ts";

/** Caps on what one request may make the node do. */
export interface MethodLimits {
  maxLogBlockRange: number;
  maxLogResults: number;
  maxFeeHistoryBlocks: number;
}

export type SubscriptionRequest =
  | { kind: "newHeads" }
  | { kind: "logs"; filter: LogFilterParams }
  /** full: each notification carries the whole transaction rather than its hash. */
  | { kind: "newPendingTransactions"; full: boolean };

/** What a WebSocket connection offers eth_subscribe; absent on HTTP. */
export interface SubscriptionHost {
  /** Returns the subscription id, or throws RpcError when over the connection's limit. */
  subscribe(request: SubscriptionRequest): string;
  unsubscribe(id: string): boolean;
}

/** What a connection gives the requests it carries. */
export interface ConnectionContext {
  backend: RpcBackend;
  limits: MethodLimits;
  subscriptions: SubscriptionHost | null;
  /**
   * Calls whose work grows with what the client asks (eth_call, eth_estimateGas, eth_getLogs) run a few at a time
   * node-wide: each holds the CPU for its slices, so more at once would space consensus' turns further apart.
   */
  heavyCalls: ConcurrencyGate;
  /** The server's polling filters (eth_newFilter and the like), shared by every transport. */
  filters: FilterRegistry;
  /**
   * Who sent the request: clientKey of its remote address, what its filters are counted under. HTTP has no
   * connection identity to hang filters on, so the address is the identity, as for the rate limit.
   */
  client: string;
}

export interface MethodContext extends ConnectionContext {
  /** This request's deadline: long work (an EVM call, a log scan) checks it and stops when it is spent. */
  work: WorkBudget;
}

export interface RpcMethod {
  readonly name: string;
  run(params: unknown[], ctx: MethodContext): Promise<Json>;
}

/** The parsed values of positional params validated by schemas S. */
export type Outputs<S extends readonly z.ZodType[]> = { -readonly [K in keyof S]: z.output<S[K]> };

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message))
    .join("; ");
}

/**
 * A method with positional params, each validated by its own schema (optional ones trailing). Trailing nulls
 * count as absent, as in geth, because JSON has no undefined and some clients send null for "default".
 */
export function defineMethod<const S extends readonly z.ZodType[]>(
  name: string,
  params: S,
  handler: (args: Outputs<S>, ctx: MethodContext) => Json | Promise<Json>,
): RpcMethod {
  let required = 0;
  for (const [i, schema] of params.entries()) if (!schema.isOptional()) required = i + 1;
  const expected = required === params.length ? `${required}` : `${required} to ${params.length}`;
  return {
    name,
    async run(raw, ctx) {
      let count = raw.length;
      while (count > required && raw[count - 1] === null) count--;
      if (count < required || count > params.length) {
        throw invalidParams(`${name} takes ${expected} param${params.length === 1 ? "" : "s"}, got ${count}`);
      }
      const args: unknown[] = [];
      for (const [i, schema] of params.entries()) {
        const parsed = schema.safeParse(i < count ? raw[i] : undefined);
        if (!parsed.success) throw invalidParams(`params[${i}]: ${describeIssues(parsed.error)}`);
        args.push(parsed.data);
      }
      return await handler(args as Outputs<S>, ctx);
    },
  };
}

/** Runs `work` in one of the node's few heavy-call slots; a full queue is refused as a limit, with a retry hint. */
export async function inHeavySlot<T>(ctx: MethodContext, work: () => Promise<T>): Promise<T> {
  try {
    return await ctx.heavyCalls.run(work);
  } catch (err) {
    if (err instanceof GateFullError) {
      throw new RpcLimitError(
        "heavy-calls",
        "too many heavy calls in progress on this node: retry shortly",
        1000,
      );
    }
    throw err;
  }
}
