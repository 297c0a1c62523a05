import { decodeRlpStrict, encodeRlpItem, type RlpItem, rlpList } from "../crypto/index.ts";
import {
  COMMIT_LIMITS,
  MAX_BLOCK_BYTES,
  MAX_VALIDATORS,
  safeIntFromRlp,
  safeIntToRlp,
  uintFromRlp,
  uintToRlp,
} from "../types/index.ts";
import { errorMessage } from "../util/errors.ts";
import { P2pError } from "./errors.ts";
import { MAX_TOPIC_BYTES, TOPIC_MAX_BYTES } from "./topics.ts";

/**
 * Wire format of the request/response protocols. Every message is a length-prefixed frame (unsigned varint
 * length, it-length-prefixed). The client sends one request frame and closes its side; the server answers with
 * response frames and closes. A response frame is one status byte then its payload: OK frames carry one opaque
 * RLP item, an error frame carries a UTF-8 reason and is the last frame (Lodestar's result codes, simplified).
 */

export type ReqRespProtocol = "blocks" | "catchup" | "held";

export function protocolId(chainId: bigint, protocol: ReqRespProtocol): string {
  switch (protocol) {
    case "blocks":
      return `/outrigger/${chainId.toString()}/sync/blocks/1`;
    case "catchup":
      return `/outrigger/${chainId.toString()}/catchup/1`;
    case "held":
      return `/outrigger/${chainId.toString()}/held/1`;
  }
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
  // The larger of HELD_LIMITS' kinds; a client asks with the limits of the kind it asked for.
  held: {
    maxItemBytes: TOPIC_MAX_BYTES["deposit-claim"],
    maxItems: MAX_VALIDATORS,
    maxResponseBytes: MAX_VALIDATORS * TOPIC_MAX_BYTES["checkpoint-sig"],
  },
};

/**
 * "held": what a node holds of the bridge's gossip, for a peer that missed it (DESIGN §5). Either the
 * signatures of checkpoint `number` (the pending checkpoint's, or a certified one's), or the deposit claims held
 * from nonce `fromNonce` on, lowest first. Each item is the payload as gossiped on its topic, so the asking node
 * judges it with the topic's own validation.
 */
export type HeldRequest =
  | { kind: "checkpoint-signatures"; number: number }
  | { kind: "deposit-claims"; fromNonce: bigint };
export type HeldKind = HeldRequest["kind"];

const HELD_KIND_CODES: Readonly<Record<HeldKind, number>> = {
  "checkpoint-signatures": 0,
  "deposit-claims": 1,
};

/** Deposit claims one answer carries at most; the asker asks again from the last one's next nonce. */
export const MAX_HELD_CLAIMS = 256;

export const HELD_LIMITS: Readonly<Record<HeldKind, ResponseLimits>> = {
  // One checkpoint-sig payload per validator of the epoch.
  "checkpoint-signatures": {
    maxItemBytes: TOPIC_MAX_BYTES["checkpoint-sig"],
    maxItems: MAX_VALIDATORS,
    maxResponseBytes: MAX_VALIDATORS * TOPIC_MAX_BYTES["checkpoint-sig"],
  },
  "deposit-claims": {
    maxItemBytes: TOPIC_MAX_BYTES["deposit-claim"],
    maxItems: MAX_HELD_CLAIMS,
    maxResponseBytes: MAX_HELD_CLAIMS * TOPIC_MAX_BYTES["deposit-claim"],
  },
};

/** RLP [kind, from]: kind 0 (checkpoint signatures, from = the checkpoint number) or 1 (claims, from = nonce). */
export function encodeHeldRequest(request: HeldRequest): Uint8Array {
  const from =
    request.kind === "checkpoint-signatures"
      ? safeIntToRlp(request.number, "held.number")
      : uintToRlp(request.fromNonce, "held.fromNonce");
  return encodeRlpItem([safeIntToRlp(HELD_KIND_CODES[request.kind], "held.kind"), from]);
}

/** Throws P2pError "invalid-request" for anything but a well-formed request a server can answer. */
export function decodeHeldRequest(bytes: Uint8Array): HeldRequest {
  if (bytes.length > MAX_REQUEST_BYTES)
    throw new P2pError(
      "invalid-request",
      `held request of ${bytes.length} bytes is over ${MAX_REQUEST_BYTES}`,
    );
  let kind: number;
  let from: RlpItem | undefined;
  try {
    const [k, f] = rlpList(decodeRlpStrict(bytes), 2, "held request");
    kind = safeIntFromRlp(k, "held.kind");
    from = f;
  } catch (err) {
    throw new P2pError("invalid-request", `malformed held request: ${errorMessage(err)}`);
  }
  try {
    if (kind === HELD_KIND_CODES["checkpoint-signatures"]) {
      const number = safeIntFromRlp(from, "held.number");
      if (number < 1) throw new Error("checkpoint number must be >= 1");
      return { kind: "checkpoint-signatures", number };
    }
    if (kind === HELD_KIND_CODES["deposit-claims"])
      return { kind: "deposit-claims", fromNonce: uintFromRlp(from, "held.fromNonce") };
  } catch (err) {
    throw new P2pError("invalid-request", `malformed held request: ${errorMessage(err)}`);
  }
  throw new P2pError("invalid-request", `unknown held request kind ${kind}`);
}

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
