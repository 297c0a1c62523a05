import type { RpcMethod } from "./define.ts";
import { ethMethods } from "./eth.ts";
import { ethBlockMethods } from "./ethBlocks.ts";
import { filterMethods } from "./filters.ts";
import { netMethods } from "./net.ts";
import { outriggerMethods } from "./outrigger.ts";
import { subscriptionMethods } from "./subscribe.ts";
import { txpoolMethods } from "./txpool.ts";

export type {
  ConnectionContext,
  MethodContext,
  MethodLimits,
  RpcMethod,
  SubscriptionHost,
  SubscriptionRequest,
} from "./define.ts";

/** Every method the server answers, by name; a Map so no request can reach Object.prototype. */
export function allMethods(): ReadonlyMap<string, RpcMethod> {
  const methods = new Map<string, RpcMethod>();
  for (const m of [
    ...ethMethods,
    ...ethBlockMethods,
    ...subscriptionMethods,
    ...filterMethods,
    ...txpoolMethods,
    ...netMethods,
    ...outriggerMethods,
  ]) {
    if (methods.has(m.name)) throw new Error(`method ${m.name} is defined twice`);
    methods.set(m.name, m);
  }
  return methods;
}
