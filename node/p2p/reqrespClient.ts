import type { Libp2p, PeerId, Stream } from "@libp2p/interface";
import { peerIdFromString } from "@libp2p/peer-id";
import * as lp from "it-length-prefixed";
import { errorMessage } from "../util/errors.ts";
import { P2pError } from "./errors.ts";
import {
  errorFromFrame,
  isSingleRlpItem,
  protocolId,
  type ReqRespProtocol,
  type ResponseLimits,
  Status,
} from "./reqrespWire.ts";

export interface RequestOptions {
  timeoutMs?: number;
  /** Lower than the protocol's limit to bound memory further; never higher. */
  maxResponseBytes?: number;
}

export interface ClientRequest {
  chainId: bigint;
  kind: ReqRespProtocol;
  peer: PeerId | string;
  body: Uint8Array;
  limits: ResponseLimits;
  timeoutMs: number;
}

/**
 * Sends one request frame and collects the response items. Everything the peer sends is bounded (frame size,
 * item count, total bytes, time) and checked (status byte, one RLP item per frame); any breach aborts the
 * stream with a typed P2pError, so a caller can tell a slow peer from a broken or hostile one.
 */
export async function requestItems(libp2p: Libp2p, req: ClientRequest): Promise<Uint8Array[]> {
  const { kind, limits, timeoutMs } = req;
  const peerId = typeof req.peer === "string" ? peerIdFromString(req.peer) : req.peer;
  const label = peerId.toString();
  const signal = AbortSignal.timeout(timeoutMs);
  const timeout = () => new P2pError("timeout", `${kind} request to ${label} took over ${timeoutMs} ms`);
  let stream: Stream;
  try {
    stream = await libp2p.dialProtocol(peerId, protocolId(req.chainId, kind), { signal });
  } catch (err) {
    if (signal.aborted) throw timeout();
    if ((err as Error).name === "UnsupportedProtocolError") {
      throw new P2pError("unsupported-protocol", `peer ${label} does not serve ${kind} on this chain`, {
        cause: err,
      });
    }
    throw new P2pError("dial", `cannot open a ${kind} stream to ${label}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  const onAbort = (): void => stream.abort(timeout());
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    await stream.sink([lp.encode.single(req.body)]);
    const items: Uint8Array[] = [];
    let total = 0;
    // An error frame is far smaller than an item, so the item bound covers both.
    for await (const frame of lp.decode(stream.source, { maxDataLength: 1 + limits.maxItemBytes })) {
      const status = frame.byteLength > 0 ? frame.get(0) : undefined;
      if (status === undefined) throw new P2pError("bad-frame", `peer ${label} sent an empty frame`);
      if (status !== Status.Ok) throw errorFromFrame(status, frame.subarray(1), label);
      const view = frame.subarray(1);
      // A plain Uint8Array view (not a Buffer) over the received bytes, without copying a large block.
      const item = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
      if (!isSingleRlpItem(item))
        throw new P2pError("bad-frame", `peer ${label} sent an item that is not RLP`);
      if (items.length >= limits.maxItems) {
        throw new P2pError(
          "bad-frame",
          `peer ${label} sent more than the ${limits.maxItems} items asked for`,
        );
      }
      total += item.length;
      if (total > limits.maxResponseBytes) {
        throw new P2pError(
          "too-large",
          `peer ${label}'s ${kind} response exceeds ${limits.maxResponseBytes} bytes`,
        );
      }
      items.push(item);
    }
    return items;
  } catch (err) {
    const error = signal.aborted ? timeout() : classify(err, label);
    stream.abort(error);
    throw error;
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

function classify(err: unknown, peer: string): P2pError {
  if (err instanceof P2pError) return err;
  const error = err as Error;
  switch (error.name) {
    case "InvalidDataLengthError":
      return new P2pError("too-large", `peer ${peer} sent a frame over the size limit`, { cause: err });
    case "InvalidDataLengthLengthError":
    case "InvalidMessageLengthError":
    case "UnexpectedEOFError":
      return new P2pError("bad-frame", `peer ${peer} sent a malformed frame: ${error.message}`, {
        cause: err,
      });
    default:
      return new P2pError("stream", `stream to ${peer} failed: ${error.message}`, { cause: err });
  }
}
