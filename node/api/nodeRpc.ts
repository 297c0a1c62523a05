import type { Genesis } from "../config/genesis.ts";
import {
  createRpcServer,
  type RouteHandler,
  type RpcLimit,
  type RpcLogger,
  type RpcPublicLimits,
  type RpcServer,
} from "../rpc/index.ts";
import { DEFAULT_BLOCK_GAS_LIMIT } from "../types/index.ts";
import { createRpcBackend, type RpcBackendModules } from "./rpcBackend.ts";

export interface NodeRpcOptions {
  host: string;
  port: number;
  corsOrigins: readonly string[];
  genesis: Pick<Genesis, "chainId" | "minGasPrice" | "epochLength" | "blockGasLimit">;
  clientVersion: string;
  /** Plain HTTP routes served next to JSON-RPC (the metrics scrape). */
  extraRoutes: Record<string, RouteHandler>;
  /** What a public endpoint bounds (config rpc.*). */
  limits: RpcPublicLimits;
}

/** The node's JSON-RPC server over its parts. */
export function startNodeRpc(
  opts: NodeRpcOptions,
  modules: RpcBackendModules & { logger: RpcLogger; onLimited: (limit: RpcLimit) => void },
): Promise<RpcServer> {
  const { logger, onLimited, ...parts } = modules;
  const backend = createRpcBackend(
    {
      chainId: opts.genesis.chainId,
      clientVersion: opts.clientVersion,
      minGasPrice: opts.genesis.minGasPrice,
      blockGasLimit: opts.genesis.blockGasLimit ?? DEFAULT_BLOCK_GAS_LIMIT,
      epochLength: opts.genesis.epochLength,
    },
    parts,
  );
  return createRpcServer(
    {
      host: opts.host,
      port: opts.port,
      corsOrigins: opts.corsOrigins,
      extraRoutes: opts.extraRoutes,
      ...opts.limits,
    },
    { backend, logger, onLimited },
  );
}
