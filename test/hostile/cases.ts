/**
 * The shapes of hostile cases and of what a node must answer to each. A case carries its own expectation, so a
 * corpus can be run against any node (a test cluster, a devnet) and judged the same way.
 */

export const Code = {
  Parse: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  Internal: -32603,
  Server: -32000,
  TxRejected: -32003,
  Limit: -32005,
  Reverted: 3,
} as const;

/** What one JSON-RPC answer (a response object, or each element of a batch answer) may be. */
export interface AnswerRule {
  /** Error codes it may carry. */
  codes: readonly number[];
  /** Whether a result (no error) is also a right answer. */
  resultOk: boolean;
}

export type HttpAnswer =
  | ({ kind: "single" } & AnswerRule)
  | ({ kind: "batch"; length: number } & AnswerRule)
  /** No JSON-RPC answer is looked at (a 204, a 413, a 404...): only the status counts. */
  | { kind: "none" };

export interface HttpCase {
  transport: "http";
  family: string;
  name: string;
  body: string | Uint8Array;
  /** POST to / unless said. */
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  expect: { status: number; answer: HttpAnswer };
}

export interface WsFrame {
  data: string | Uint8Array;
  binary: boolean;
}

export interface WsCase {
  transport: "ws";
  family: string;
  name: string;
  frames: WsFrame[];
  expect:
    | {
        /** Every response's error code, in any order (sorted when compared). */
        errorCodes: readonly number[];
        /** How many responses are results. */
        results: number;
      }
    | {
        /** The server closes the connection with this code (a frame that is not valid WebSocket traffic). */
        closeCode: number;
      };
}

/** A raw HTTP/1.1 exchange on a TCP socket: the bytes sent, the status lines expected back. */
export interface SocketCase {
  transport: "socket";
  family: string;
  name: string;
  bytes: string | Uint8Array;
  /** The statuses of the responses, in order (several for pipelined requests); any one of these sequences. */
  expect: { statuses: readonly (readonly number[])[] };
}

/**
 * Many connections that send their request one byte a second, the headers (slow-loris) or, after complete headers,
 * the body (slow POST): the node must keep serving others and close each of them by its header or request timeout.
 */
export interface SlowLorisCase {
  transport: "slowloris";
  family: string;
  name: string;
  trickle: "headers" | "body";
  sockets: number;
  /** By when every socket must have been closed by the node. */
  closeWithinMs: number;
}

/**
 * More WebSocket connections at once than the node allows: those over the limit are refused (503) at the upgrade,
 * the others are served, and once they close a new one is taken again.
 */
export interface WsConnectionsCase {
  transport: "ws-connections";
  family: string;
  name: string;
  connections: number;
  /** At least this many must be refused (the excess over the limit; more when others hold connections). */
  minRefused: number;
}

export type HostileCase = HttpCase | WsCase | SocketCase | SlowLorisCase | WsConnectionsCase;

/** Requests a case sends: every frame and every socket counts. */
export function requestCount(c: HostileCase): number {
  switch (c.transport) {
    case "ws":
      return c.frames.length;
    case "slowloris":
      return c.sockets;
    case "ws-connections":
      return c.connections;
    default:
      return 1;
  }
}

export const error = (...codes: number[]): HttpCase["expect"] => ({
  status: 200,
  answer: { kind: "single", codes, resultOk: false },
});

export const resultOr = (...codes: number[]): HttpCase["expect"] => ({
  status: 200,
  answer: { kind: "single", codes, resultOk: true },
});

export const batchOf = (length: number, codes: number[], resultOk: boolean): HttpCase["expect"] => ({
  status: 200,
  answer: { kind: "batch", length, codes, resultOk },
});

export const statusOnly = (status: number): HttpCase["expect"] => ({ status, answer: { kind: "none" } });

/** A JSON-RPC request body with params given as raw JSON text (so 1e400 and 2^300 reach the node verbatim). */
export function request(method: string, rawParams: string[], id: string | number = 1): string {
  return `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"method":${JSON.stringify(method)},"params":[${rawParams.join(",")}]}`;
}
