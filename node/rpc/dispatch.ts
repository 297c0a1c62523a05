import type { TakeResult } from "../util/tokenBuckets.ts";
import { WorkBudget, WorkTimeoutError } from "../util/workBudget.ts";
import { RpcError, RpcErrorCode, type RpcLimit, RpcLimitError } from "./errors.ts";
import type { Json } from "./ethJson.ts";
import type { RpcLogger } from "./logger.ts";
import type { ConnectionContext, RpcMethod } from "./methods/index.ts";

/**
 * JSON-RPC 2.0 request handling shared by HTTP and WebSocket: a body in, the response text out (null when every
 * request was a notification). Nothing in a request can make this throw.
 */

export interface DispatchLimits {
  maxBatch: number;
  /** Once a batch's responses exceed this, its remaining requests are answered with an error instead. */
  maxResponseBytes: number;
  /** What one body (a request or a whole batch) may take; its work is stopped, and the rest refused, after it. */
  requestTimeoutMs: number;
}

export interface DispatchModules {
  logger: RpcLogger;
  /** Counts each refusal by the limit that caused it (the rejection metric). */
  onLimited?: (limit: RpcLimit) => void;
}

/** Asks the client's rate limit for `requests` requests at once. */
export type Admit = (requests: number) => TakeResult;

export interface DispatchResult {
  body: string | null;
  /** Set when the client's rate limit refused the whole body: HTTP answers 429 with Retry-After. */
  retryAfterMs: number | null;
}

export interface Dispatcher {
  handle(body: string, ctx: ConnectionContext, admit?: Admit): Promise<DispatchResult>;
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

/** The id to answer a request with, whatever shape it has. */
function idOf(request: unknown): Id {
  return isPlainObject(request) && isId(request.id) ? request.id : null;
}

/** Method names echo back in errors; a stranger's string is cut short first. */
function shown(name: string): string {
  return JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}...` : name);
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

export function createDispatcher(
  methods: ReadonlyMap<string, RpcMethod>,
  limits: DispatchLimits,
  modules: DispatchModules,
): Dispatcher {
  const { logger } = modules;

  function limitResponse(id: Id, err: RpcLimitError): string {
    modules.onLimited?.(err.limit);
    return errorResponse(id, err.code, err.message, err.data);
  }

  function timedOut(): RpcLimitError {
    return new RpcLimitError(
      "timeout",
      `request timed out: the limit is ${seconds(limits.requestTimeoutMs)}`,
    );
  }

  async function handleOne(
    request: unknown,
    ctx: ConnectionContext,
    work: WorkBudget,
  ): Promise<string | null> {
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
      response = await run(method, id, params ?? [], ctx, work);
    }
    // A notification is executed but never answered.
    return hasId ? response : null;
  }

  async function run(
    method: RpcMethod,
    id: Id,
    params: unknown[],
    ctx: ConnectionContext,
    work: WorkBudget,
  ): Promise<string> {
    if (work.expired) return limitResponse(id, timedOut());
    // The timer answers work that never checks its budget (an L1 round trip); work that does stops by itself.
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        work.abort();
        reject(new WorkTimeoutError("request timed out"));
      }, work.remainingMs());
    });
    try {
      const result: Json = await Promise.race([method.run(params, { ...ctx, work }), deadline]);
      return JSON.stringify({ jsonrpc: "2.0", id, result });
    } catch (err) {
      if (err instanceof WorkTimeoutError) return limitResponse(id, timedOut());
      if (err instanceof RpcLimitError) return limitResponse(id, err);
      if (err instanceof RpcError) return errorResponse(id, err.code, err.message, err.data);
      // Internals stay in the log: a stranger gets no stack traces or paths.
      logger.error({ err, method: method.name }, "rpc method failed");
      return errorResponse(id, RpcErrorCode.Internal, "internal error");
    } finally {
      clearTimeout(timer);
    }
  }

  function refuse(id: Id, limit: RpcLimitError): DispatchResult {
    return { body: limitResponse(id, limit), retryAfterMs: limit.retryAfterMs };
  }

  async function handle(body: string, ctx: ConnectionContext, admit?: Admit): Promise<DispatchResult> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return {
        body: errorResponse(null, RpcErrorCode.ParseError, "parse error: the body is not valid JSON"),
        retryAfterMs: null,
      };
    }
    const requests = Array.isArray(parsed) ? parsed.length : 1;
    const admitted = admit?.(Math.max(requests, 1)) ?? { ok: true };
    if (!admitted.ok) {
      const id = Array.isArray(parsed) ? null : idOf(parsed);
      const message = `rate limit exceeded: retry in ${seconds(admitted.retryAfterMs)}`;
      return refuse(id, new RpcLimitError("rate", message, admitted.retryAfterMs));
    }
    const work = new WorkBudget({ timeoutMs: limits.requestTimeoutMs });
    if (!Array.isArray(parsed)) return { body: await handleOne(parsed, ctx, work), retryAfterMs: null };
    if (parsed.length === 0) {
      return {
        body: errorResponse(null, RpcErrorCode.InvalidRequest, "invalid request: empty batch"),
        retryAfterMs: null,
      };
    }
    if (parsed.length > limits.maxBatch) {
      // geth's answer to an oversized batch: the request as a whole is invalid.
      modules.onLimited?.("batch-size");
      const message = `invalid request: batch of ${parsed.length} requests is over the limit of ${limits.maxBatch}`;
      return { body: errorResponse(null, RpcErrorCode.InvalidRequest, message), retryAfterMs: null };
    }
    // One at a time, so a batch never holds more than maxResponseBytes of answers in memory.
    const responses: string[] = [];
    let bytes = 0;
    for (const request of parsed) {
      let response: string | null;
      if (bytes > limits.maxResponseBytes) {
        response =
          isPlainObject(request) && !Object.hasOwn(request, "id")
            ? null
            : limitResponse(
                idOf(request),
                new RpcLimitError(
                  "response-size",
                  `response too large: batch responses exceed ${limits.maxResponseBytes} bytes`,
                ),
              );
      } else {
        response = await handleOne(request, ctx, work);
      }
      if (response !== null) {
        responses.push(response);
        bytes += response.length;
      }
    }
    return { body: responses.length === 0 ? null : `[${responses.join(",")}]`, retryAfterMs: null };
  }

  return { handle };
}
