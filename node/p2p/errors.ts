/**
 * What went wrong at the p2p edge. Callers branch on `code` (a sync client retries another peer on "timeout"
 * and drops one that sent a "bad-frame"), so codes are stable; messages are for operators.
 */
export type P2pErrorCode =
  /** The peer key file exists but cannot be used; it is never replaced silently. */
  | "peer-key"
  /** A listen or bootstrap address is malformed or lacks a /p2p/ peer id. */
  | "config"
  /** Could not open a connection or stream to the peer. */
  | "dial"
  /** The peer does not speak the protocol (or this chain id's version of it). */
  | "unsupported-protocol"
  /** The request or its response did not complete within the deadline. */
  | "timeout"
  /** A frame was malformed: bad length prefix, truncated, unknown status, more items than asked for. */
  | "bad-frame"
  /** A frame or a whole response (or a payload we were asked to publish) exceeded its size limit. */
  | "too-large"
  /** The server refused: our request was invalid by its rules (e.g. count over the maximum). */
  | "invalid-request"
  /** The server refused: we exceeded its per-peer rate limit or its concurrency limit. */
  | "rate-limited"
  /** The server's handler failed. */
  | "server-error"
  /** The stream was reset or closed before the response ended. */
  | "stream";

export class P2pError extends Error {
  override readonly name: string = "P2pError";
  readonly code: P2pErrorCode;

  constructor(code: P2pErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
