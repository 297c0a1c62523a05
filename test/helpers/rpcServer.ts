import type { TestContext } from "node:test";
import type { RpcBackend } from "../../node/rpc/backend.ts";
import type { RpcLimit } from "../../node/rpc/errors.ts";
import type { RpcLogger } from "../../node/rpc/logger.ts";
import { createRpcServer, type RpcServer, type RpcServerOptions } from "../../node/rpc/server.ts";

/** A logger that keeps what it is told, so tests can check that errors were (or were not) logged. */
export class RecordingLogger implements RpcLogger {
  readonly entries: { level: string; obj: object; msg: string | undefined }[] = [];
  debug(obj: object, msg?: string): void {
    this.entries.push({ level: "debug", obj, msg });
  }
  info(obj: object, msg?: string): void {
    this.entries.push({ level: "info", obj, msg });
  }
  warn(obj: object, msg?: string): void {
    this.entries.push({ level: "warn", obj, msg });
  }
  error(obj: object, msg?: string): void {
    this.entries.push({ level: "error", obj, msg });
  }
  errors(): { obj: object; msg: string | undefined }[] {
    return this.entries.filter((e) => e.level === "error");
  }
}

/** Starts a server on 127.0.0.1 and a free port, closed when the test ends (also when it fails). */
export async function startRpc(
  t: TestContext,
  backend: RpcBackend,
  opts: Partial<RpcServerOptions> = {},
): Promise<{ server: RpcServer; logger: RecordingLogger; limited: RpcLimit[] }> {
  const logger = new RecordingLogger();
  const limited: RpcLimit[] = [];
  const server = await createRpcServer(
    { host: "127.0.0.1", port: 0, ...opts },
    { backend, logger, onLimited: (limit) => limited.push(limit) },
  );
  t.after(() => server.close());
  return { server, logger, limited };
}

export interface RpcMessage {
  jsonrpc: string;
  id: string | number | null;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

export interface RpcReply {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

/** The reply as one JSON-RPC response object; throws if it is anything else. */
export function single(reply: RpcReply): RpcMessage {
  const m = reply.json as RpcMessage | null;
  if (m === null || typeof m !== "object" || Array.isArray(m) || m.jsonrpc !== "2.0") {
    throw new Error(`expected one JSON-RPC response, got ${reply.status} ${reply.text.slice(0, 200)}`);
  }
  return m;
}

/** The reply as a batch of responses; throws if it is anything else. */
export function batch(reply: RpcReply): RpcMessage[] {
  if (!Array.isArray(reply.json))
    throw new Error(`expected a batch response, got ${reply.text.slice(0, 200)}`);
  return reply.json as RpcMessage[];
}

/** A JSON object result, for field access. */
export function obj(value: unknown): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`expected an object, got ${JSON.stringify(value)}`);
  }
  return value as Record<string, unknown>;
}

/** POSTs a raw body and returns what came back, parsed if it is JSON. */
export async function post(
  url: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<RpcReply> {
  const res = await fetch(url, {
    method: "POST",
    body,
    headers: { "content-type": "application/json", ...headers },
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text === "" ? null : JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export async function rpc(
  url: string,
  method: string,
  params: unknown[] = [],
  id: number | string = 1,
): Promise<RpcReply> {
  return post(url, JSON.stringify({ jsonrpc: "2.0", id, method, params }));
}
