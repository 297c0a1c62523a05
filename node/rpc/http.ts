import type { IncomingMessage, ServerResponse } from "node:http";
import type { Dispatcher } from "./dispatch.ts";
import { RpcErrorCode } from "./errors.ts";
import type { RpcLogger } from "./logger.ts";
import type { MethodContext } from "./methods/index.ts";

/** Serves a non-RPC path on the RPC port (node.ts mounts prom-client's /metrics this way). */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface HttpHandlerOptions {
  maxBodyBytes: number;
  extraRoutes: ReadonlyMap<string, RouteHandler>;
}

export interface HttpHandlerModules {
  dispatcher: Dispatcher;
  context: MethodContext;
  logger: RpcLogger;
}

/** After refusing an oversized body we read on a little (so the client sees the 413), then hang up. */
const DRAIN_FACTOR = 4;

function setCors(req: IncomingMessage, res: ServerResponse): void {
  // Wallets and dapps call from any origin; nothing here relies on cookies or ambient credentials.
  res.setHeader("Access-Control-Allow-Origin", "*");
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

type BodyResult = { ok: true; text: string } | { ok: false };

function readBody(req: IncomingMessage, maxBytes: number): Promise<BodyResult> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > maxBytes) {
      resolve({ ok: false });
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
        resolve({ ok: false });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => resolve({ ok: true, text: Buffer.concat(chunks).toString("utf8") });
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", reject);
  });
}

function refuseTooLarge(req: IncomingMessage, res: ServerResponse, maxBytes: number): void {
  const body = JSON.stringify({
    jsonrpc: "2.0",
    id: null,
    error: {
      code: RpcErrorCode.InvalidRequest,
      message: `request body too large: the limit is ${maxBytes} bytes`,
    },
  });
  res.setHeader("Connection", "close");
  sendJson(res, 413, body);
  let drained = 0;
  req.on("data", (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > maxBytes * DRAIN_FACTOR) req.destroy();
  });
  req.resume();
}

export function createHttpHandler(
  opts: HttpHandlerOptions,
  modules: HttpHandlerModules,
): (req: IncomingMessage, res: ServerResponse) => void {
  const { dispatcher, context, logger } = modules;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    setCors(req, res);
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (req.method === "OPTIONS") {
      res.writeHead(204);
      res.end();
      return;
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
    if (!body.ok) {
      refuseTooLarge(req, res, opts.maxBodyBytes);
      return;
    }
    const response = await dispatcher.handle(body.text, context);
    if (response === null) {
      res.writeHead(204);
      res.end();
      return;
    }
    sendJson(res, 200, response);
  }

  return (req, res) => {
    handle(req, res).catch((err: unknown) => {
      logger.error({ err, url: req.url }, "rpc http request failed");
      if (!res.headersSent) sendJson(res, 500, JSON.stringify({ error: "internal error" }));
      else res.destroy();
    });
  };
}
