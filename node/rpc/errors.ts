/** JSON-RPC 2.0 error codes, plus the Ethereum ones of EIP-1474 that wallets and ethers understand. */
export const RpcErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  Internal: -32603,
  /** Server error: a valid request the node cannot serve (state unavailable, tx refused for state reasons). */
  Server: -32000,
  /** The transaction can never be valid (malformed, wrong chain, unsupported type, oversized). */
  TransactionRejected: -32003,
  /** A configured limit (block range, result count, subscriptions, response size). */
  LimitExceeded: -32005,
  /** geth's code for a reverted call; `data` carries the revert bytes for ethers to decode. */
  ExecutionReverted: 3,
} as const;

/** An error a method reports to its caller; anything else thrown by a method becomes a generic -32603. */
export class RpcError extends Error {
  override readonly name: string = "RpcError";
  readonly code: number;
  readonly data: unknown;

  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.code = code;
    this.data = data;
  }
}

export function invalidParams(message: string): RpcError {
  return new RpcError(RpcErrorCode.InvalidParams, `invalid params: ${message}`);
}

/** The limits a public endpoint enforces, by the name the rejection metric counts them under. */
export type RpcLimit =
  | "rate"
  | "connections"
  | "client-connections"
  | "ws-connections"
  | "timeout"
  | "batch-size"
  | "body-size"
  | "response-size"
  | "subscriptions"
  | "filters"
  | "log-range"
  | "log-results"
  | "heavy-calls";

/** -32005, as providers answer a client over a limit; `retryAfterMs` is the hint when waiting would help. */
export class RpcLimitError extends RpcError {
  override readonly name = "RpcLimitError";

  constructor(
    readonly limit: RpcLimit,
    message: string,
    readonly retryAfterMs: number | null = null,
  ) {
    super(RpcErrorCode.LimitExceeded, message, retryAfterMs === null ? undefined : { retryAfterMs });
  }
}
