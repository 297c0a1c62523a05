export type * from "./backend.ts";
export { RpcError, RpcErrorCode } from "./errors.ts";
export type { RouteHandler } from "./http.ts";
export type { RpcLogger } from "./logger.ts";
export {
  createRpcServer,
  RPC_DEFAULTS,
  type RpcServer,
  type RpcServerModules,
  type RpcServerOptions,
} from "./server.ts";
