import type { IncomingMessage, ServerResponse } from "node:http";
import { type ClientLimits, clientKey } from "./clientLimits.ts";
import type { Dispatcher } from "./dispatch.ts";
import { RpcErrorCode, type RpcLimit } from "./errors.ts";
import type { RpcLogger } from "./logger.ts";
import type { ConnectionContext } from "./methods/index.ts";

/** Serves a non-RPC path on the RPC port (node.ts mounts prom-client's /metrics this way). */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface HttpHandlerOptions {
  maxBodyBytes: number;
  extraRoutes: ReadonlyMap<string, RouteHandler>;
  /** Origins a browser page may call from: "*" for any, none for no cross-origin calls. */
  corsOrigins: readonly string[];
}

export interface HttpHandlerModules {
  dispatcher: Dispatcher;
  /** Shared by every request; each gets its sender's client key added. */
  context: Omit<ConnectionContext, "client">;
  clients: ClientLimits;
  logger: RpcLogger;
  onLimited: (limit: RpcLimit) => void;
}

/**
 * After refusing an oversized body we keep reading (and discarding) what the client still sends, up to this many
 * times the limit and this long, before the connection is cut off.
 */
const DRAIN_FACTOR = 4;
const LINGER_MS = 10_000;

function setCors(req: IncomingMessage, res: ServerResponse, origins: readonly string[]): void {
  const origin = req.headers.origin;
  if (origins.includes("*")) {
    // Nothing here relies on cookies or ambient credentials, so any origin may read the answers.
    res.setHeader("Access-Control-Allow-Origin", "*");
  } else {
    // The answer depends on the caller's origin: caches must keep one copy per origin.
    res.setHeader("Vary", "Origin");
    if (origin === undefined || !origins.includes(origin)) return;
    res.setHeader("Access-Control-Allow-Origin", origin);
  }
  res.setHeader("Access-Control-Allow-Methods", "POST, GET, OPTIONS");
  res.setHeader(
    "Access-Control-Allow-Headers",
    req.headers["access-control-request-headers"] ?? "Content-Type",
  );
  res.setHeader("Access-Control-Max-Age", "600");
}

function sendJson(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) });
  res.end(body);
}

type BodyResult = { kind: "ok"; text: string } | { kind: "too-large" } | { kind: "aborted" };

function readBody(req: IncomingMessage, maxBytes: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > maxBytes) {
      resolve({ kind: "too-large" });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        req.off("data", onData);
        req.off("end", onEnd);
        chunks.length = 0;
        resolve({ kind: "too-large" });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => resolve({ kind: "ok", text: Buffer.concat(chunks).toString("utf8") });
    req.on("data", onData);
    req.on("end", onEnd);
    // A client that goes away mid-body (or is cut off by the request timeout) is not the node's failure.
    req.on("error", () => resolve({ kind: "aborted" }));
    req.on("close", () => {
      if (!req.complete) resolve({ kind: "aborted" });
    });
  });
}

/**
 * Answers 413 so that every client gets to read it. The answer is written at once, but the response ends (and with
 * `Connection: close` the socket closes) only once the client has sent the rest of its body: closing a socket
 * with unread bytes makes the kernel send a RST, which can reach the client before it read the answer (what nginx's
 * lingering close avoids). A body far over the limit, or one that trickles on, is cut off after the answer.
 */
function refuseTooLarge(req: IncomingMessage, res: ServerResponse, maxBytes: number): void {
  const body = JSON.stringify({
    jsonrpc: "2.0",
    id: null,
    error: {
      code: RpcErrorCode.InvalidRequest,
      message: `request body too large: the limit is ${maxBytes} bytes`,
    },
  });
  res.writeHead(413, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(body),
    Connection: "close",
  });
  res.write(body);

  let drained = 0;
  const done = (): void => {
    clearTimeout(linger);
    req.off("data", onData);
    if (!res.writableEnded) res.end();
  };
  const cutOff = (): void => {
    done();
    req.socket.destroy();
  };
  const onData = (chunk: Buffer): void => {
    drained += chunk.length;
    if (drained > maxBytes * DRAIN_FACTOR) cutOff();
  };
  const linger = setTimeout(cutOff, LINGER_MS);
  linger.unref();
  req.on("data", onData);
  req.once("end", done);
  req.once("error", done);
  if (req.readableEnded) done();
  else req.resume();
}

export function createHttpHandler(
  opts: HttpHandlerOptions,
  modules: HttpHandlerModules,
): (req: IncomingMessage, res: ServerResponse) => void {
  const { dispatcher, context, clients, logger } = modules;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    setCors(req, res, opts.corsOrigins);
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (req.method === "OPTIONS") {
      res.writeHead(204);
      res.end();
      return;
    }
    const admit = clients.admitFor(req.socket.remoteAddress);
    if (path !== "/" || req.method !== "POST") {
      // Every path costs the client a request, so a flood of /metrics scrapes is refused like any other.
      const admitted = admit?.(1) ?? { ok: true };
      if (!admitted.ok) {
        modules.onLimited("rate");
        res.setHeader("Retry-After", Math.ceil(admitted.retryAfterMs / 1000));
        sendJson(res, 429, JSON.stringify({ error: "rate limit exceeded" }));
        return;
      }
    }
    const route = opts.extraRoutes.get(path);
    if (route !== undefined) {
      await route(req, res);
      return;
    }
    if (path === "/health" && req.method === "GET") {
      sendJson(res, 200, JSON.stringify({ status: "ok", height: context.backend.headHeight() }));
      return;
    }
    if (path !== "/") {
      sendJson(res, 404, JSON.stringify({ error: "not found" }));
      return;
    }
    if (req.method !== "POST") {
      res.setHeader("Allow", "POST, OPTIONS");
      sendJson(res, 405, JSON.stringify({ error: "JSON-RPC requests are POSTed to /" }));
      return;
    }
    const body = await readBody(req, opts.maxBodyBytes);
    if (body.kind === "aborted") {
      logger.debug({ url: req.url }, "rpc client went away before its request body ended");
      res.destroy();
      return;
    }
    if (body.kind === "too-large") {
      modules.onLimited("body-size");
      refuseTooLarge(req, res, opts.maxBodyBytes);
      return;
    }
    const response = await dispatcher.handle(
      body.text,
      { ...context, client: clientKey(req.socket.remoteAddress) },
      admit,
    );
    if (response.body === null) {
      res.writeHead(204);
      res.end();
      return;
    }
    if (response.retryAfterMs !== null) {
      // What providers answer a client over its rate: ethers and viem back off on 429 and honour Retry-After.
      res.setHeader("Retry-After", Math.ceil(response.retryAfterMs / 1000));
      sendJson(res, 429, response.body);
      return;
    }
    sendJson(res, 200, response.body);
  }

  return (req, res) => {
    handle(req, res).catch((err: unknown) => {
      logger.error({ err, url: req.url }, "rpc http request failed");
      if (!res.headersSent) sendJson(res, 500, JSON.stringify({ error: "internal error" }));
      else res.destroy();
    });
  };
}
