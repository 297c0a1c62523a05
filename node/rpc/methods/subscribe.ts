import { z } from "zod";
import { RpcError, RpcErrorCode } from "../errors.ts";
import { logFilterSchema } from "../schemas.ts";
import { defineMethod, type RpcMethod } from "./define.ts";

const subscriptionIdSchema = z
  .string({ error: "expected a subscription id" })
  .max(128, "expected a subscription id");

function notSupported(): RpcError {
  // geth's answer on transports without notifications.
  return new RpcError(RpcErrorCode.MethodNotFound, "notifications not supported");
}

export const subscriptionMethods: RpcMethod[] = [
  defineMethod(
    "eth_subscribe",
    [z.string({ error: "expected a subscription type" }), z.unknown().optional()],
    ([kind, filter], { subscriptions }) => {
      if (subscriptions === null) throw notSupported();
      if (kind === "newHeads") {
        if (filter !== undefined)
          throw new RpcError(RpcErrorCode.InvalidParams, "invalid params: newHeads takes no filter");
        return subscriptions.subscribe({ kind: "newHeads" });
      }
      if (kind === "logs") {
        const parsed = logFilterSchema.safeParse(filter ?? {});
        if (!parsed.success) {
          const detail = parsed.error.issues.map((i) => [...i.path, i.message].join(": ")).join("; ");
          throw new RpcError(RpcErrorCode.InvalidParams, `invalid params: params[1]: ${detail}`);
        }
        return subscriptions.subscribe({ kind: "logs", filter: parsed.data });
      }
      if (kind === "newPendingTransactions") {
        // geth: true asks for whole transactions instead of hashes.
        if (filter !== undefined && typeof filter !== "boolean") {
          throw new RpcError(
            RpcErrorCode.InvalidParams,
            "invalid params: params[1]: newPendingTransactions takes true (full transactions) or false",
          );
        }
        return subscriptions.subscribe({ kind: "newPendingTransactions", full: filter === true });
      }
      throw new RpcError(
        RpcErrorCode.InvalidParams,
        `invalid params: unsupported subscription type ${JSON.stringify(kind.slice(0, 40))}; supported: newHeads, logs, newPendingTransactions`,
      );
    },
  ),
  defineMethod("eth_unsubscribe", [subscriptionIdSchema], ([id], { subscriptions }) => {
    if (subscriptions === null) throw notSupported();
    return subscriptions.unsubscribe(id);
  }),
];
