import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { ConcurrencyGate } from "../util/concurrencyGate.ts";
import type { RpcBackend } from "./backend.ts";
import { ClientLimits } from "./clientLimits.ts";
import { RPC_DEFAULTS } from "./defaults.ts";
import { createDispatcher } from "./dispatch.ts";
import type { RpcLimit } from "./errors.ts";
import { FilterRegistry } from "./filters.ts";
import { createHttpHandler, type RouteHandler } from "./http.ts";
import type { RpcLogger } from "./logger.ts";
import { allMethods, type MethodLimits } from "./methods/index.ts";
import { createWsHub } from "./ws.ts";

export interface RpcServerOptions {
  /** Loopback unless the operator exposes it on purpose. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  maxBodyBytes?: number;
  maxBatch?: number;
  maxResponseBytes?: number;
  maxWsConnections?: number;
  maxSubscriptionsPerConnection?: number;
  maxWsBufferedBytes?: number;
  wsPingIntervalMs?: number;
  maxLogBlockRange?: number;
  maxLogResults?: number;
  maxFeeHistoryBlocks?: number;
  /** Requests per second one client (remote address) may sustain; 0: no per-client rate limit. */
  ratePerSecond?: number;
  /** Requests a rested client may send at once. */
  rateBurst?: number;
  /** Loopback clients skip the per-client limits (rate, connections). */
  exemptLoopback?: boolean;
  /** Open connections (HTTP and WebSocket together) the server holds at most. */
  maxConnections?: number;
  maxConnectionsPerClient?: number;
  /** What one request (or batch) may take; its work stops after that. */
  requestTimeoutMs?: number;
  /** EVM calls (eth_call, eth_estimateGas) running at once, node-wide, and waiting for a turn. */
  maxConcurrentCalls?: number;
  maxQueuedCalls?: number;
  /** Polling filters (eth_newFilter and the like): dropped after this long without a poll. */
  filterTimeoutMs?: number;
  maxFiltersPerClient?: number;
  /** Filters the server holds at most, all clients together. */
  maxFilters?: number;
  /** The clock of filter expiry (tests inject one; default Date.now). */
  filterClock?: () => number;
  /** Origins browsers may call from (Access-Control-Allow-Origin); ["*"] by default. */
  corsOrigins?: readonly string[];
  /** Extra paths on the same port, e.g. { "/metrics": handler }. */
  extraRoutes?: Record<string, RouteHandler>;
}

/** The RPC server's limits an operator sets in config.toml. */
export type RpcPublicLimits = Pick<
  RpcServerOptions,
  | "ratePerSecond"
  | "rateBurst"
  | "exemptLoopback"
  | "maxConnections"
  | "maxConnectionsPerClient"
  | "requestTimeoutMs"
  | "maxConcurrentCalls"
  | "maxLogBlockRange"
  | "maxLogResults"
>;

export interface RpcServerModules {
  backend: RpcBackend;
  logger: RpcLogger;
  /** Counts each refusal by the limit that caused it (outrigger_rpc_limited_total). */
  onLimited?: (limit: RpcLimit) => void;
}

export interface RpcServer {
  url: string;
  wsUrl: string;
  port: number;
  close(): Promise<void>;
}

/** What Node's parser errors mean to the client, as Node answers them itself. */
const CLIENT_ERROR_STATUS: Readonly<Record<string, string>> = {
  HPE_HEADER_OVERFLOW: "431 Request Header Fields Too Large",
  ERR_HTTP_REQUEST_TIMEOUT: "408 Request Timeout",
};

/** JSON-RPC over HTTP POST and WebSocket on one port (DESIGN.md §6). */
export async function createRpcServer(opts: RpcServerOptions, modules: RpcServerModules): Promise<RpcServer> {
  const { backend, logger } = modules;
  const onLimited = (limit: RpcLimit): void => modules.onLimited?.(limit);
  const exemptLoopback = opts.exemptLoopback ?? RPC_DEFAULTS.exemptLoopback;
  const clients = new ClientLimits(
    {
      ratePerSecond: opts.ratePerSecond ?? RPC_DEFAULTS.ratePerSecond,
      burst: opts.rateBurst ?? RPC_DEFAULTS.rateBurst,
      maxConnectionsPerClient: opts.maxConnectionsPerClient ?? RPC_DEFAULTS.maxConnectionsPerClient,
      exemptLoopback,
    },
    onLimited,
  );
  const host = opts.host ?? RPC_DEFAULTS.host;
  const maxBodyBytes = opts.maxBodyBytes ?? RPC_DEFAULTS.maxBodyBytes;
  const limits: MethodLimits = {
    maxLogBlockRange: opts.maxLogBlockRange ?? RPC_DEFAULTS.maxLogBlockRange,
    maxLogResults: opts.maxLogResults ?? RPC_DEFAULTS.maxLogResults,
    maxFeeHistoryBlocks: opts.maxFeeHistoryBlocks ?? RPC_DEFAULTS.maxFeeHistoryBlocks,
  };
  const heavyCalls = new ConcurrencyGate({
    maxRunning: opts.maxConcurrentCalls ?? RPC_DEFAULTS.maxConcurrentCalls,
    maxWaiting: opts.maxQueuedCalls ?? RPC_DEFAULTS.maxQueuedCalls,
  });
  const filters = new FilterRegistry(
    {
      timeoutMs: opts.filterTimeoutMs ?? RPC_DEFAULTS.filterTimeoutMs,
      maxPerClient: opts.maxFiltersPerClient ?? RPC_DEFAULTS.maxFiltersPerClient,
      maxTotal: opts.maxFilters ?? RPC_DEFAULTS.maxFilters,
      maxPendingHashes: RPC_DEFAULTS.maxPendingFilterHashes,
      sweepIntervalMs: RPC_DEFAULTS.filterSweepIntervalMs,
      exemptLoopback,
    },
    { backend, ...(opts.filterClock ? { now: opts.filterClock } : {}) },
  );
  const dispatcher = createDispatcher(
    allMethods(),
    {
      maxBatch: opts.maxBatch ?? RPC_DEFAULTS.maxBatch,
      maxResponseBytes: opts.maxResponseBytes ?? RPC_DEFAULTS.maxResponseBytes,
      requestTimeoutMs: opts.requestTimeoutMs ?? RPC_DEFAULTS.requestTimeoutMs,
    },
    { logger, onLimited },
  );
  const handler = createHttpHandler(
    {
      maxBodyBytes,
      extraRoutes: new Map(Object.entries(opts.extraRoutes ?? {})),
      corsOrigins: opts.corsOrigins ?? ["*"],
    },
    {
      dispatcher,
      context: { backend, limits, subscriptions: null, heavyCalls, filters },
      clients,
      logger,
      onLimited,
    },
  );
  const hub = createWsHub(
    {
      maxConnections: opts.maxWsConnections ?? RPC_DEFAULTS.maxWsConnections,
      maxSubscriptionsPerConnection:
        opts.maxSubscriptionsPerConnection ?? RPC_DEFAULTS.maxSubscriptionsPerConnection,
      maxPayloadBytes: maxBodyBytes,
      maxBufferedBytes: opts.maxWsBufferedBytes ?? RPC_DEFAULTS.maxWsBufferedBytes,
      pingIntervalMs: opts.wsPingIntervalMs ?? RPC_DEFAULTS.wsPingIntervalMs,
      maxInFlightPerConnection: RPC_DEFAULTS.maxInFlightPerConnection,
    },
    {
      dispatcher,
      backend,
      limits,
      heavyCalls,
      filters,
      clients,
      logger,
      onFull: () => onLimited("ws-connections"),
    },
  );

  const server = createServer(
    {
      requestTimeout: RPC_DEFAULTS.receiveTimeoutMs,
      headersTimeout: RPC_DEFAULTS.headersTimeoutMs,
      // How often those two are checked (30 s by default, which would let a slow sender hold on for 40 s).
      connectionsCheckingInterval: 2_000,
      keepAliveTimeout: RPC_DEFAULTS.keepAliveTimeoutMs,
    },
    handler,
  );
  // Past it the kernel's accepted socket is closed at once ("drop"): the node's memory and descriptors stay bounded.
  server.maxConnections = opts.maxConnections ?? RPC_DEFAULTS.maxConnections;
  server.on("drop", () => onLimited("connections"));
  server.on("connection", (socket) => clients.acceptConnection(socket));
  server.on("upgrade", (req, socket, head) => hub.handleUpgrade(req, socket, head));
  server.on("clientError", (err: NodeJS.ErrnoException, socket) => {
    logger.debug({ code: err.code, message: err.message }, "rpc client error");
    // As Node's own handler: no answer where a response is already under way on the socket (it would be garbled).
    const inResponse = Reflect.get(socket, "_httpMessage") as { headersSent?: boolean } | null | undefined;
    if (!socket.writable || inResponse?.headersSent === true) {
      socket.destroy();
      return;
    }
    socket.end(
      `HTTP/1.1 ${CLIENT_ERROR_STATUS[err.code ?? ""] ?? "400 Bad Request"}\r\nConnection: close\r\n\r\n`,
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const hostInUrl = host.includes(":") ? `[${host}]` : host;
  logger.info({ host, port }, "rpc listening");

  let closing: Promise<void> | undefined;
  async function close(): Promise<void> {
    closing ??= (async () => {
      // Stop accepting first, then end the WebSocket sessions, then whatever HTTP keep-alives remain.
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      await hub.close();
      server.closeAllConnections();
      await stopped;
      filters.close();
    })();
    return closing;
  }

  return { url: `http://${hostInUrl}:${port}/`, wsUrl: `ws://${hostInUrl}:${port}/`, port, close };
}
