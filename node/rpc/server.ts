import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { RpcBackend } from "./backend.ts";
import { createDispatcher } from "./dispatch.ts";
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
  /** Origins browsers may call from (Access-Control-Allow-Origin); ["*"] by default. */
  corsOrigins?: readonly string[];
  /** Extra paths on the same port, e.g. { "/metrics": handler }. */
  extraRoutes?: Record<string, RouteHandler>;
}

export interface RpcServerModules {
  backend: RpcBackend;
  logger: RpcLogger;
}

export interface RpcServer {
  url: string;
  wsUrl: string;
  port: number;
  close(): Promise<void>;
}

export const RPC_DEFAULTS = {
  host: "127.0.0.1",
  maxBodyBytes: 1024 * 1024,
  // ethers' JsonRpcProvider batches up to 100 requests (batchMaxCount), so it never hits this.
  maxBatch: 100,
  // geth's BatchResponseMaxSize.
  maxResponseBytes: 25 * 1000 * 1000,
  maxWsConnections: 256,
  maxSubscriptionsPerConnection: 64,
  maxWsBufferedBytes: 16 * 1024 * 1024,
  wsPingIntervalMs: 30_000,
  maxLogBlockRange: 10_000,
  maxLogResults: 10_000,
  // geth's cap on eth_feeHistory's block count.
  maxFeeHistoryBlocks: 1024,
  maxInFlightPerConnection: 16,
  requestTimeoutMs: 30_000,
  /**
   * How long an idle keep-alive connection stays open: geth's 120 s rather than Node's 5 s. A server closes an idle
   * connection from its timers, which run before it reads what arrived meanwhile: after an event-loop stall longer
   * than the timeout, a request already sent on that connection is answered with a reset (a client then sees
   * "fetch failed" for a request the node never read). The longer the timeout, the longer a stall must be.
   */
  keepAliveTimeoutMs: 120_000,
} as const;

/** JSON-RPC over HTTP POST and WebSocket on one port (DESIGN.md §6). */
export async function createRpcServer(opts: RpcServerOptions, modules: RpcServerModules): Promise<RpcServer> {
  const { backend, logger } = modules;
  const host = opts.host ?? RPC_DEFAULTS.host;
  const maxBodyBytes = opts.maxBodyBytes ?? RPC_DEFAULTS.maxBodyBytes;
  const limits: MethodLimits = {
    maxLogBlockRange: opts.maxLogBlockRange ?? RPC_DEFAULTS.maxLogBlockRange,
    maxLogResults: opts.maxLogResults ?? RPC_DEFAULTS.maxLogResults,
    maxFeeHistoryBlocks: opts.maxFeeHistoryBlocks ?? RPC_DEFAULTS.maxFeeHistoryBlocks,
  };
  const dispatcher = createDispatcher(
    allMethods(),
    {
      maxBatch: opts.maxBatch ?? RPC_DEFAULTS.maxBatch,
      maxResponseBytes: opts.maxResponseBytes ?? RPC_DEFAULTS.maxResponseBytes,
    },
    logger,
  );
  const handler = createHttpHandler(
    {
      maxBodyBytes,
      extraRoutes: new Map(Object.entries(opts.extraRoutes ?? {})),
      corsOrigins: opts.corsOrigins ?? ["*"],
    },
    { dispatcher, context: { backend, limits, subscriptions: null }, logger },
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
    { dispatcher, backend, limits, logger },
  );

  const server = createServer(
    { requestTimeout: RPC_DEFAULTS.requestTimeoutMs, keepAliveTimeout: RPC_DEFAULTS.keepAliveTimeoutMs },
    handler,
  );
  server.on("upgrade", (req, socket, head) => hub.handleUpgrade(req, socket, head));
  server.on("clientError", (err, socket) => {
    logger.debug({ err }, "rpc client error");
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
    else socket.destroy();
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
    })();
    return closing;
  }

  return { url: `http://${hostInUrl}:${port}/`, wsUrl: `ws://${hostInUrl}:${port}/`, port, close };
}
