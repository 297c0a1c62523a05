export type * from "./backend.ts";
export { RPC_DEFAULTS } from "./defaults.ts";
export { RpcError, RpcErrorCode, type RpcLimit, RpcLimitError } from "./errors.ts";
export { GENESIS_BLOCK_HASH, type GenesisBlockInfo, genesisBlockRecord } from "./genesisBlock.ts";
export type { RouteHandler } from "./http.ts";
export type { RpcLogger } from "./logger.ts";
export {
  createRpcServer,
  type RpcPublicLimits,
  type RpcServer,
  type RpcServerModules,
  type RpcServerOptions,
} from "./server.ts";
