import { type OutriggerProcess, type SpawnOptions, spawnOutrigger } from "./nodeProcess.ts";

export interface RelayerOptions {
  rpcUrl: string;
  l1RpcUrl: string;
  keyFile: string;
  /** Also exit withdrawals for their recipients. */
  exit?: boolean;
  intervalMs?: number;
  metricsPort?: number;
}

/** Starts `outrigger relayer` and resolves once it has read the bridge settings from the node. */
export function spawnRelayer(
  opts: RelayerOptions,
  spawn: SpawnOptions = {},
): Promise<OutriggerProcess<unknown>> {
  const args = ["relayer", "--rpc", opts.rpcUrl, "--l1-rpc", opts.l1RpcUrl, "--key-file", opts.keyFile];
  if (opts.exit) args.push("--exit");
  if (opts.intervalMs !== undefined) args.push("--interval", String(opts.intervalMs));
  if (opts.metricsPort !== undefined) args.push("--metrics-port", String(opts.metricsPort));
  return spawnOutrigger(args, (line) => line.includes('"relayer configured"'), "relayer", spawn);
}
