import { cliTargets } from "./cli.ts";
import { configTargets } from "./config.ts";
import { gossipTargets } from "./gossip.ts";
import type { FuzzTarget } from "./harness.ts";
import { reqrespTargets } from "./reqresp.ts";
import { rpcTargets } from "./rpc.ts";
import { transactionTargets } from "./transactions.ts";

/** Every fuzzed surface, in the order run.ts reports them. */
export function allTargets(): FuzzTarget[] {
  return [
    ...gossipTargets,
    ...reqrespTargets,
    ...rpcTargets,
    ...transactionTargets,
    ...configTargets,
    ...cliTargets,
  ];
}
