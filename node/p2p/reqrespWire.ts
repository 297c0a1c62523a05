import { decodeRlpStrict, encodeRlpItem, rlpList } from "../crypto/index.ts";
import { COMMIT_LIMITS, MAX_BLOCK_BYTES, safeIntFromRlp, safeIntToRlp } from "../types/index.ts";
import { P2pError } from "./errors.ts";
import { MAX_TOPIC_BYTES } from "./topics.ts";

/**
 * Wire format of the request/response protocols. Every message is a length-prefixed frame (unsigned varint
 * length, it-length-prefixed). The client sends one request frame and closes its side; the server answers with
 * response frames and closes. A response frame is one status byte then its payload: OK frames carry one opaque
 * RLP item, an error frame carries a UTF-8 reason and is the last frame (Lodestar's result codes, simplified).
 */

export type ReqRespProtocol = "blocks" | "catchup";

export function protocolId(chainId: bigint, protocol: ReqRespProtocol): string {
  return protocol === "blocks"
    ? `/outrigger/${chainId.toString()}/sync/blocks/1`
    : `/outrigger/${chainId.toString()}/catchup/1`;
}

export const Status = { Ok: 0, InvalidRequest: 1, RateLimited: 2, ServerError: 3 } as const;
export type ErrorStatus = (typeof Status)["InvalidRequest" | "RateLimited" | "ServerError"];

export const MAX_BLOCKS_PER_REQUEST = 64;
export const MAX_REQUEST_BYTES = 64;
export const MAX_ERROR_REASON_BYTES = 256;

/** Per protocol: the largest item, the most items and the most bytes one response may carry. */
export interface ResponseLimits {
  maxItemBytes: number;
  maxItems: number;
  maxResponseBytes: number;
}

export const RESPONSE_LIMITS: Readonly<Record<ReqRespProtocol, ResponseLimits>> = {
  // RLP([block, commit]) per height, each possibly wrapped as a byte string (headers: 15 bytes at most).
  // 32 MiB per response keeps a syncing node's memory bounded; a server whose blocks are bigger sends fewer
  // than asked and the client asks again from where it stopped.
  blocks: {
    maxItemBytes: MAX_BLOCK_BYTES + COMMIT_LIMITS.maxBytes + 64,
    maxItems: MAX_BLOCKS_PER_REQUEST,
    maxResponseBytes: 32 * 1024 * 1024,
  },
  // Proposals (with blocks) and votes of one height, each a gossip payload in a small tagged envelope; votes
  // of 1024 validators x 2 types x a few rounds.
  catchup: {
    maxItemBytes: MAX_TOPIC_BYTES + 64,
    maxItems: 16_384,
    maxResponseBytes: 32 * 1024 * 1024,
  },
};

export function encodeBlocksRequest(fromHeight: number, count: number): Uint8Array {
  return encodeRlpItem([safeIntToRlp(fromHeight, "fromHeight"), safeIntToRlp(count, "count")]);
}

export function decodeBlocksRequest(bytes: Uint8Array): { fromHeight: number; count: number } {
  const [from, count] = rlpList(decodeRlpStrict(bytes), 2, "blocks request");
  return { fromHeight: safeIntFromRlp(from, "fromHeight"), count: safeIntFromRlp(count, "count") };
}

export function encodeCatchUpRequest(height: number): Uint8Array {
  return encodeRlpItem([safeIntToRlp(height, "height")]);
}

export function decodeCatchUpRequest(bytes: Uint8Array): { height: number } {
  const [height] = rlpList(decodeRlpStrict(bytes), 1, "catch-up request");
  return { height: safeIntFromRlp(height, "height") };
}

const REASONS = new TextEncoder();
const REASON_DECODER = new TextDecoder("utf-8", { fatal: false });

export function errorFrame(status: ErrorStatus, reason: string): Uint8Array {
  const text = REASONS.encode(reason).subarray(0, MAX_ERROR_REASON_BYTES);
  const out = new Uint8Array(1 + text.length);
  out[0] = status;
  out.set(text, 1);
  return out;
}

/** The P2pError a client raises for a server's error frame. */
export function errorFromFrame(status: number, payload: Uint8Array, peer: string): P2pError {
  const reason = REASON_DECODER.decode(payload.subarray(0, MAX_ERROR_REASON_BYTES));
  switch (status) {
    case Status.InvalidRequest:
      return new P2pError("invalid-request", `peer ${peer} refused the request: ${reason}`);
    case Status.RateLimited:
      return new P2pError("rate-limited", `peer ${peer} is rate-limiting us: ${reason}`);
    case Status.ServerError:
      return new P2pError("server-error", `peer ${peer} failed to serve the request: ${reason}`);
    default:
      return new P2pError("bad-frame", `peer ${peer} sent an unknown status byte ${status}`);
  }
}

/**
 * Whether `bytes` is exactly one RLP item (its header's length matches the frame), checked from the header alone:
 * catches garbage and truncation early without decoding a multi-megabyte block twice.
 */
export function isSingleRlpItem(bytes: Uint8Array): boolean {
  const prefix = bytes[0];
  if (prefix === undefined) return false;
  if (prefix < 0x80) return bytes.length === 1;
  const base = prefix < 0xc0 ? 0x80 : 0xc0;
  const short = prefix - base;
  if (short <= 55) return bytes.length === 1 + short;
  const lengthOfLength = short - 55;
  if (bytes.length < 1 + lengthOfLength || bytes[1] === 0) return false;
  let length = 0;
  for (let i = 1; i <= lengthOfLength; i++) length = length * 256 + (bytes[i] ?? 0);
  return length > 55 && bytes.length === 1 + lengthOfLength + length;
}
