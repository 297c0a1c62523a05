import type { Command } from "commander";
import { urlArg } from "./args.ts";

/** The devnet's first validator: what a command asks when no --rpc is given. */
export const DEFAULT_RPC = "http://127.0.0.1:8645";

/** --rpc and --json, the flags of every command that asks a node something over JSON-RPC. */
export function nodeRpcOptions(cmd: Command): Command {
  return cmd
    .option("--rpc <url>", "sidechain node JSON-RPC URL", urlArg, DEFAULT_RPC)
    .option("--json", "print JSON instead of text", false);
}
