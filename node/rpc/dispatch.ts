import { RpcError, RpcErrorCode } from "./errors.ts";
import type { Json } from "./ethJson.ts";
import type { RpcLogger } from "./logger.ts";
import type { MethodContext, RpcMethod } from "./methods/index.ts";

/**
 * JSON-RPC 2.0 request handling shared by HTTP and WebSocket: a body in, the response text out (null when every
 * request was a notification). Nothing in a request can make this throw.
 */

export interface DispatchLimits {
  maxBatch: number;
  /** Once a batch's responses exceed this, its remaining requests are answered with an error instead. */
  maxResponseBytes: number;
}

export interface Dispatcher {
  handle(body: string, ctx: MethodContext): Promise<string | null>;
}

type Id = string | number | null;

function errorResponse(id: Id, code: number, message: string, data?: unknown): string {
  const error: { code: number; message: string; data?: unknown } = { code, message };
  if (data !== undefined) error.data = data;
  return JSON.stringify({ jsonrpc: "2.0", id, error });
}

function isId(value: unknown): value is Id {
  return value === null || typeof value === "string" || (typeof value === "number" && Number.isFinite(value));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Method names echo back in errors; a stranger's string is cut short first. */
function shown(name: string): string {
  return JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}...` : name);
}

export function createDispatcher(
  methods: ReadonlyMap<string, RpcMethod>,
  limits: DispatchLimits,
  logger: RpcLogger,
): Dispatcher {
  async function handleOne(request: unknown, ctx: MethodContext): Promise<string | null> {
    if (!isPlainObject(request))
      return errorResponse(null, RpcErrorCode.InvalidRequest, "invalid request: expected an object");
    const hasId = Object.hasOwn(request, "id");
    const id = hasId && isId(request.id) ? request.id : null;
    if (hasId && !isId(request.id)) {
      return errorResponse(
        null,
        RpcErrorCode.InvalidRequest,
        "invalid request: id must be a string, number or null",
      );
    }
    if (request.jsonrpc !== "2.0") {
      return errorResponse(id, RpcErrorCode.InvalidRequest, 'invalid request: jsonrpc must be "2.0"');
    }
    if (typeof request.method !== "string") {
      return errorResponse(id, RpcErrorCode.InvalidRequest, "invalid request: method must be a string");
    }
    const { params } = request;
    if (params !== undefined && typeof params !== "object") {
      return errorResponse(
        id,
        RpcErrorCode.InvalidRequest,
        "invalid request: params must be an array or object",
      );
    }
    const name = request.method;
    const method = methods.get(name);
    let response: string;
    if (method === undefined) {
      response = errorResponse(
        id,
        RpcErrorCode.MethodNotFound,
        `the method ${shown(name)} does not exist/is not available`,
      );
    } else if (params !== undefined && !Array.isArray(params)) {
      response = errorResponse(
        id,
        RpcErrorCode.InvalidParams,
        "invalid params: params must be an array (by position)",
      );
    } else {
      response = await run(method, id, params ?? [], ctx);
    }
    // A notification is executed but never answered.
    return hasId ? response : null;
  }

  async function run(method: RpcMethod, id: Id, params: unknown[], ctx: MethodContext): Promise<string> {
    try {
      const result: Json = await method.run(params, ctx);
      return JSON.stringify({ jsonrpc: "2.0", id, result });
    } catch (err) {
      if (err instanceof RpcError) return errorResponse(id, err.code, err.message, err.data);
      // Internals stay in the log: a stranger gets no stack traces or paths.
      logger.error({ err, method: method.name }, "rpc method failed");
      return errorResponse(id, RpcErrorCode.Internal, "internal error");
    }
  }

  async function handle(body: string, ctx: MethodContext): Promise<string | null> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return errorResponse(null, RpcErrorCode.ParseError, "parse error: the body is not valid JSON");
    }
    if (!Array.isArray(parsed)) return handleOne(parsed, ctx);
    if (parsed.length === 0)
      return errorResponse(null, RpcErrorCode.InvalidRequest, "invalid request: empty batch");
    if (parsed.length > limits.maxBatch) {
      return errorResponse(
        null,
        RpcErrorCode.InvalidRequest,
        `invalid request: batch of ${parsed.length} requests is over the limit of ${limits.maxBatch}`,
      );
    }
    // One at a time, so a batch never holds more than maxResponseBytes of answers in memory.
    const responses: string[] = [];
    let bytes = 0;
    for (const request of parsed) {
      let response: string | null;
      if (bytes > limits.maxResponseBytes) {
        const id = isPlainObject(request) && isId(request.id) ? request.id : null;
        response =
          isPlainObject(request) && !Object.hasOwn(request, "id")
            ? null
            : errorResponse(
                id,
                RpcErrorCode.LimitExceeded,
                `response too large: batch responses exceed ${limits.maxResponseBytes} bytes`,
              );
      } else {
        response = await handleOne(request, ctx);
      }
      if (response !== null) {
        responses.push(response);
        bytes += response.length;
      }
    }
    return responses.length === 0 ? null : `[${responses.join(",")}]`;
  }

  return { handle };
}
