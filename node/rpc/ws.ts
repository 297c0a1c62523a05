import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { type RawData, type WebSocket, WebSocketServer } from "ws";
import type { ConcurrencyGate } from "../util/concurrencyGate.ts";
import type { BlockRecord, PendingTxEvent, RpcBackend } from "./backend.ts";
import { type ClientLimits, clientKey } from "./clientLimits.ts";
import type { Admit, Dispatcher } from "./dispatch.ts";
import { RpcLimitError } from "./errors.ts";
import { blockLogs, decodeTx, headerJson, logJson, type PositionedLog, txJson } from "./ethJson.ts";
import type { FilterRegistry } from "./filters.ts";
import type { RpcLogger } from "./logger.ts";
import { type LogMatcher, logMatcher, matchesLog } from "./logs.ts";
import type {
  ConnectionContext,
  MethodLimits,
  SubscriptionHost,
  SubscriptionRequest,
} from "./methods/index.ts";

export interface WsOptions {
  maxConnections: number;
  maxSubscriptionsPerConnection: number;
  maxPayloadBytes: number;
  /**
   * A client that lets this much pile up unread is dropped rather than buffered without end; the same bound
   * applies to its requests waiting to run.
   */
  maxBufferedBytes: number;
  pingIntervalMs: number;
  /** Requests of one connection run concurrently up to this; beyond it the socket is paused. */
  maxInFlightPerConnection: number;
}

export interface WsModules {
  dispatcher: Dispatcher;
  backend: RpcBackend;
  limits: MethodLimits;
  heavyCalls: ConcurrencyGate;
  filters: FilterRegistry;
  clients: ClientLimits;
  logger: RpcLogger;
  /** Counts an upgrade refused because the server holds maxConnections sessions already. */
  onFull: () => void;
}

export interface WsHub {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  connectionCount(): number;
  close(): Promise<void>;
}

type Subscription =
  | { kind: "newHeads" }
  | { kind: "logs"; matcher: LogMatcher }
  | { kind: "newPendingTransactions"; full: boolean };

/** Counts the pending-transaction subscriptions, so the hub listens to the mempool only while there are some. */
interface PendingListeners {
  added(): void;
  removed(): void;
}

const CLOSE_GOING_AWAY = 1001;
const CLOSE_POLICY = 1008;
const CLOSE_GRACE_MS = 1000;

function rejectUpgrade(socket: Duplex, status: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function notification(id: string, resultJson: string): string {
  return `{"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":${JSON.stringify(id)},"result":${resultJson}}}`;
}

/** Text and binary frames are both read as UTF-8 JSON: some clients send binary. */
function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString("utf8");
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  return Buffer.from(data).toString("utf8");
}

class Connection implements SubscriptionHost {
  readonly subscriptions = new Map<string, Subscription>();
  alive = true;
  #inFlight = 0;
  readonly #queue: string[] = [];
  #queuedBytes = 0;
  readonly #context: ConnectionContext;

  constructor(
    readonly ws: WebSocket,
    readonly opts: WsOptions,
    readonly modules: WsModules,
    /** The client's rate limit, shared with its HTTP requests (one bucket per address). */
    readonly admit: Admit | undefined,
    client: string,
    readonly pending: PendingListeners,
  ) {
    this.#context = {
      backend: modules.backend,
      limits: modules.limits,
      subscriptions: this,
      heavyCalls: modules.heavyCalls,
      filters: modules.filters,
      client,
    };
  }

  subscribe(request: SubscriptionRequest): string {
    if (this.subscriptions.size >= this.opts.maxSubscriptionsPerConnection) {
      throw new RpcLimitError(
        "subscriptions",
        `too many subscriptions: the limit is ${this.opts.maxSubscriptionsPerConnection} per connection`,
      );
    }
    const id = `0x${randomBytes(16).toString("hex")}`;
    if (request.kind === "logs") {
      this.subscriptions.set(id, {
        kind: "logs",
        matcher: logMatcher(request.filter.addresses, request.filter.topics),
      });
    } else {
      this.subscriptions.set(id, request);
      if (request.kind === "newPendingTransactions") this.pending.added();
    }
    return id;
  }

  unsubscribe(id: string): boolean {
    const sub = this.subscriptions.get(id);
    if (sub === undefined) return false;
    this.subscriptions.delete(id);
    if (sub.kind === "newPendingTransactions") this.pending.removed();
    return true;
  }

  /** Ends every subscription of a closed connection. */
  unsubscribeAll(): void {
    for (const id of [...this.subscriptions.keys()]) this.unsubscribe(id);
  }

  send(text: string): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    if (this.ws.bufferedAmount + text.length > this.opts.maxBufferedBytes) {
      this.modules.logger.warn(
        { buffered: this.ws.bufferedAmount },
        "dropping a websocket client that does not read",
      );
      this.ws.terminate();
      return;
    }
    this.ws.send(text);
  }

  receive(text: string): void {
    if (this.#inFlight < this.opts.maxInFlightPerConnection) {
      this.#start(text);
      return;
    }
    this.#queue.push(text);
    this.#queuedBytes += text.length;
    if (this.#queuedBytes > this.opts.maxBufferedBytes) {
      this.ws.close(CLOSE_POLICY, "too many pending requests");
      return;
    }
    // Stop reading until the backlog clears: the client waits instead of the node buffering without bound.
    if (!this.ws.isPaused) this.ws.pause();
  }

  #start(text: string): void {
    this.#inFlight++;
    this.modules.dispatcher
      .handle(text, this.#context, this.admit)
      .then((response) => {
        if (response.body !== null) this.send(response.body);
      })
      .catch((err: unknown) => this.modules.logger.error({ err }, "websocket request failed"))
      .finally(() => {
        this.#inFlight--;
        if (this.ws.readyState !== this.ws.OPEN) return;
        const next = this.#queue.shift();
        if (next === undefined) {
          if (this.ws.isPaused) this.ws.resume();
          return;
        }
        this.#queuedBytes -= next.length;
        this.#start(next);
      });
  }
}

export function createWsHub(opts: WsOptions, modules: WsModules): WsHub {
  const { backend, logger } = modules;
  const connections = new Set<Connection>();
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: opts.maxPayloadBytes,
    // Compression costs CPU per message and invites decompression bombs; JSON-RPC payloads are small.
    perMessageDeflate: false,
    clientTracking: false,
  });

  function onNewBlock(record: BlockRecord): void {
    let head: string | undefined;
    let logs: PositionedLog[] | undefined;
    for (const conn of connections) {
      for (const [id, sub] of conn.subscriptions) {
        if (sub.kind === "newHeads") {
          head ??= JSON.stringify(headerJson(record, backend.chain));
          conn.send(notification(id, head));
        } else if (sub.kind === "logs") {
          logs ??= blockLogs(record);
          for (const p of logs) {
            if (matchesLog(sub.matcher, p.log))
              conn.send(notification(id, JSON.stringify(logJson(record, p))));
          }
        }
      }
    }
  }

  // Admissions are announced after the mempool has taken them, a turn later, so its admission slice never pays
  // for the fan-out (decoding a whole transaction for `full` subscribers included).
  let pendingSubscriptions = 0;
  let stopPending: (() => void) | null = null;
  let admitted: PendingTxEvent[] = [];
  let flushQueued = false;

  function announce(tx: PendingTxEvent): void {
    const hash = JSON.stringify(tx.hash);
    let full: string | undefined;
    for (const conn of connections) {
      for (const [id, sub] of conn.subscriptions) {
        if (sub.kind !== "newPendingTransactions") continue;
        if (sub.full) full ??= JSON.stringify(txJson(decodeTx(tx.raw), tx.hash, tx.from, null));
        conn.send(notification(id, sub.full ? (full ?? hash) : hash));
      }
    }
  }

  function flushPending(): void {
    flushQueued = false;
    const batch = admitted;
    admitted = [];
    for (const tx of batch) {
      try {
        announce(tx);
      } catch (err) {
        logger.error({ err, hash: tx.hash }, "newPendingTransactions fan-out failed");
      }
    }
  }

  const pendingListeners: PendingListeners = {
    added() {
      if (pendingSubscriptions++ > 0) return;
      stopPending = backend.onPendingTx((tx) => {
        admitted.push(tx);
        if (flushQueued) return;
        flushQueued = true;
        setImmediate(flushPending);
      });
    },
    removed() {
      if (--pendingSubscriptions > 0) return;
      stopPending?.();
      stopPending = null;
      admitted = [];
    },
  };

  const unsubscribe = backend.onNewBlock((record) => {
    try {
      onNewBlock(record);
    } catch (err) {
      // A fan-out failure must never reach the node's commit path.
      logger.error({ err, height: record.block.header.height }, "newHeads fan-out failed");
    }
  });

  const pinger = setInterval(() => {
    for (const conn of connections) {
      if (!conn.alive) {
        conn.ws.terminate();
        continue;
      }
      conn.alive = false;
      conn.ws.ping();
    }
  }, opts.pingIntervalMs);
  pinger.unref();

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== "/") {
      rejectUpgrade(socket, "404 Not Found");
      return;
    }
    if (connections.size >= opts.maxConnections) {
      modules.onFull();
      rejectUpgrade(socket, "503 Service Unavailable");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const conn = new Connection(
        ws,
        opts,
        modules,
        modules.clients.admitFor(req.socket.remoteAddress),
        clientKey(req.socket.remoteAddress),
        pendingListeners,
      );
      connections.add(conn);
      ws.on("pong", () => {
        conn.alive = true;
      });
      ws.on("message", (data) => conn.receive(rawText(data)));
      ws.on("error", (err) => {
        logger.debug({ err }, "websocket error");
        ws.terminate();
      });
      ws.on("close", () => {
        connections.delete(conn);
        conn.unsubscribeAll();
      });
    });
  }

  async function close(): Promise<void> {
    clearInterval(pinger);
    unsubscribe();
    await Promise.all(
      [...connections].map(
        (conn) =>
          new Promise<void>((resolve) => {
            if (conn.ws.readyState === conn.ws.CLOSED) {
              resolve();
              return;
            }
            conn.ws.once("close", () => resolve());
            const timer = setTimeout(() => conn.ws.terminate(), CLOSE_GRACE_MS);
            timer.unref();
            conn.ws.close(CLOSE_GOING_AWAY, "server shutting down");
          }),
      ),
    );
    connections.clear();
    stopPending?.();
    stopPending = null;
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  }

  return { handleUpgrade, connectionCount: () => connections.size, close };
}
