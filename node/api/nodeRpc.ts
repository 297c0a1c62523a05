import { type AppGenesis, initialState } from "../app/index.ts";
import type { Genesis } from "../config/genesis.ts";
import {
  createRpcServer,
  type GenesisBlockInfo,
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
  /** The whole genesis: block 0 shows its state commitment. */
  genesis: Genesis;
  clientVersion: string;
  /** Plain HTTP routes served next to JSON-RPC (the metrics scrape). */
  extraRoutes: Record<string, RouteHandler>;
  /** What a public endpoint bounds (config rpc.*). */
  limits: RpcPublicLimits;
}

/** What block 0 shows, recomputed from the genesis document: the app keeps only the latest state. */
export function genesisBlockOf(genesis: AppGenesis, genesisTime: number): GenesisBlockInfo {
  return {
    chainId: genesis.chainId,
    time: genesisTime,
    appHash: initialState(genesis).appHash,
    baseFee: genesis.minGasPrice,
  };
}

/** The node's JSON-RPC server over its parts. */
export function startNodeRpc(
  opts: NodeRpcOptions,
  modules: Omit<RpcBackendModules, "genesisBlock"> & {
    logger: RpcLogger;
    onLimited: (limit: RpcLimit) => void;
  },
): Promise<RpcServer> {
  const { logger, onLimited, ...parts } = modules;
  const { genesis } = opts;
  const backend = createRpcBackend(
    {
      chainId: genesis.chainId,
      clientVersion: opts.clientVersion,
      minGasPrice: genesis.minGasPrice,
      blockGasLimit: genesis.blockGasLimit ?? DEFAULT_BLOCK_GAS_LIMIT,
      epochLength: genesis.epochLength,
    },
    {
      ...parts,
      genesisBlock: genesisBlockOf(genesis, genesis.genesisTime),
    },
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
