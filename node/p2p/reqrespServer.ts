import type { IncomingStreamData, Stream } from "@libp2p/interface";
import * as lp from "it-length-prefixed";
import { concatBytes } from "../crypto/index.ts";
import { errorMessage } from "../util/errors.ts";
import { KeyedTokenBuckets, type TokenBucketOptions } from "../util/tokenBuckets.ts";
import { coalesced } from "./coalesce.ts";
import { P2pError } from "./errors.ts";
import type { P2pHost } from "./host.ts";
import type { P2pLogger } from "./logger.ts";
import type { PeerPenaltySink } from "./peerPenalties.ts";
import {
  decodeBlocksRequest,
  decodeCatchUpRequest,
  decodeHeldRequest,
  errorFrame,
  HELD_LIMITS,
  type HeldKind,
  type HeldRequest,
  isSingleRlpItem,
  MAX_BLOCKS_PER_REQUEST,
  MAX_REQUEST_BYTES,
  protocolId,
  RESPONSE_LIMITS,
  type ReqRespProtocol,
  Status,
} from "./reqrespWire.ts";

/** Yields RLP([block, commit]) for heights fromHeight.. in order, at most count; ends early if it has no more. */
export type BlocksHandler = (fromHeight: number, count: number) => AsyncIterable<Uint8Array>;
/** The current height's proposals and votes as opaque RLP items, or [] if `height` is not the current one. */
export type CatchUpHandler = (height: number) => Promise<Uint8Array[]>;
/** What this node holds of one kind of bridge gossip, as topic payloads (reqrespWire.ts HeldRequest). */
export type HeldHandler<K extends HeldKind = HeldKind> = (
  request: Extract<HeldRequest, { kind: K }>,
) => Promise<Uint8Array[]>;

export interface ServerOptions {
  /** Blocks served per peer: a burst, then a sustained rate (tokens are blocks requested). */
  blocksRate?: TokenBucketOptions;
  /** Catch-up requests served per peer (tokens are requests). */
  catchUpRate?: TokenBucketOptions;
  /** "held" requests served per peer (tokens are requests). */
  heldRate?: TokenBucketOptions;
  /** Requests of one protocol served at once across all peers; more get a rate-limited answer. */
  maxConcurrent?: number;
  /** Streams of one protocol a connection may hold open, each way; libp2p refuses extra ones. */
  maxStreamsPerConnection?: number;
  /** How long a server waits for the request frame. */
  serverRequestTimeoutMs?: number;
  /** How long a server may spend on one whole response. */
  serverResponseTimeoutMs?: number;
}

/** it-length-prefixed's errors for a frame whose length prefix is broken or over the limit. */
const MALFORMED_FRAME_ERRORS: ReadonlySet<string> = new Set([
  "InvalidDataLengthError",
  "InvalidDataLengthLengthError",
  "InvalidMessageLengthError",
]);

type Request =
  | { kind: "blocks"; fromHeight: number; count: number }
  | { kind: "catchup"; height: number }
  | { kind: "held"; held: HeldRequest };

/**
 * Serves the request/response protocols with the node's handlers. Bounded per peer (token buckets), overall
 * (concurrent requests) and per response (items, bytes, time), so no peer can make us serve unbounded data.
 */
export class ReqRespServer {
  private readonly limiters: Record<ReqRespProtocol, KeyedTokenBuckets>;
  private readonly active: Record<ReqRespProtocol, number> = { blocks: 0, catchup: 0, held: 0 };
  private blocksHandler: BlocksHandler | undefined;
  private catchUpHandler: CatchUpHandler | undefined;
  private readonly heldHandlers = new Map<HeldKind, HeldHandler>();
  private readonly registered = new Set<ReqRespProtocol>();

  constructor(
    private readonly host: P2pHost,
    private readonly opts: ServerOptions,
    private readonly logger: P2pLogger,
    private readonly penalties?: PeerPenaltySink,
  ) {
    this.limiters = {
      // A syncing node fetches ahead (several full requests at once) and catches up at the speed it verifies,
      // thousands of blocks a second: a quota of 64 a second made every late node sync at that pace. A peer's
      // load stays bounded by the concurrency limit and the per-connection stream limit.
      blocks: new KeyedTokenBuckets(
        opts.blocksRate ?? { capacity: 16 * MAX_BLOCKS_PER_REQUEST, refillPerSecond: 4096 },
      ),
      catchup: new KeyedTokenBuckets(opts.catchUpRate ?? { capacity: 10, refillPerSecond: 2 }),
      // A node asks at (re)start and then every few seconds while a checkpoint or a deposit waits.
      held: new KeyedTokenBuckets(opts.heldRate ?? { capacity: 10, refillPerSecond: 2 }),
    };
  }

  async handleBlocks(handler: BlocksHandler): Promise<void> {
    this.blocksHandler = handler;
    await this.register("blocks");
  }

  async handleCatchUp(handler: CatchUpHandler): Promise<void> {
    this.catchUpHandler = handler;
    await this.register("catchup");
  }

  /** Serves one kind of "held" request; a kind without a handler is refused as invalid. */
  async handleHeld<K extends HeldKind>(kind: K, handler: HeldHandler<K>): Promise<void> {
    // Keyed by kind, so a handler is only ever called with requests of its own kind.
    this.heldHandlers.set(kind, handler as unknown as HeldHandler);
    await this.register("held");
  }

  async stop(): Promise<void> {
    const protocols = [...this.registered].map((p) => protocolId(this.host.chainId, p));
    this.registered.clear();
    if (protocols.length > 0) await this.host.libp2p.unhandle(protocols);
  }

  private async register(kind: ReqRespProtocol): Promise<void> {
    if (this.registered.has(kind)) return;
    this.registered.add(kind);
    // Outbound too: our own client then fails fast instead of being reset by a peer with the same limit.
    const perConnection = this.opts.maxStreamsPerConnection ?? 2;
    await this.host.libp2p.handle(protocolId(this.host.chainId, kind), (data) => this.serve(kind, data), {
      maxInboundStreams: perConnection,
      maxOutboundStreams: perConnection,
    });
  }

  private async serve(kind: ReqRespProtocol, { stream, connection }: IncomingStreamData): Promise<void> {
    const peer = connection.remotePeer.toString();
    const responseTimeoutMs = this.opts.serverResponseTimeoutMs ?? 60_000;
    const timer = setTimeout(
      () =>
        stream.abort(new P2pError("timeout", `serving ${kind} to ${peer} took over ${responseTimeoutMs} ms`)),
      responseTimeoutMs,
    );
    this.active[kind]++;
    try {
      const request = await this.readRequest(stream, peer);
      await stream.sink(coalesced(lp.encode(this.respond(kind, request, peer))));
    } catch (err) {
      this.logger.debug({ protocol: kind, peer, err: errorMessage(err) }, "req/resp stream failed");
      stream.abort(err as Error);
    } finally {
      this.active[kind]--;
      clearTimeout(timer);
    }
  }

  private async readRequest(stream: Stream, peer: string): Promise<Uint8Array> {
    const timeoutMs = this.opts.serverRequestTimeoutMs ?? 5_000;
    const timer = setTimeout(
      () => stream.abort(new P2pError("timeout", `no request from ${peer} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    try {
      for await (const frame of lp.decode(stream.source, { maxDataLength: MAX_REQUEST_BYTES })) {
        return frame.subarray();
      }
      throw new P2pError("bad-frame", `stream from ${peer} ended before a request`);
    } catch (err) {
      // A stream that ends or stalls may be a dropped connection; a broken or oversize frame is never honest.
      if (MALFORMED_FRAME_ERRORS.has((err as Error).name)) this.penalties?.add(peer, "bad-request");
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  private async *respond(kind: ReqRespProtocol, body: Uint8Array, peer: string): AsyncGenerator<Uint8Array> {
    if (this.active[kind] > (this.opts.maxConcurrent ?? 8)) {
      yield errorFrame(Status.RateLimited, "server busy");
      return;
    }
    let request: Request;
    try {
      request = parseRequest(kind, body);
    } catch (err) {
      this.penalties?.add(peer, "bad-request");
      yield errorFrame(Status.InvalidRequest, errorMessage(err));
      return;
    }
    // A full node without an L1 section has no checkpoints to serve.
    if (request.kind === "held" && !this.heldHandlers.has(request.held.kind)) {
      yield errorFrame(Status.InvalidRequest, `this node serves no ${request.held.kind}`);
      return;
    }
    const cost = request.kind === "blocks" ? request.count : 1;
    if (!this.limiters[kind].tryTake(peer, cost)) {
      // Not for "server busy" above: that is every peer's load, not this one's doing.
      this.penalties?.add(peer, "rate-limited");
      yield errorFrame(Status.RateLimited, `over the ${kind} request quota`);
      return;
    }
    const limits = request.kind === "held" ? HELD_LIMITS[request.held.kind] : RESPONSE_LIMITS[kind];
    const maxItems = request.kind === "blocks" ? request.count : limits.maxItems;
    let count = 0;
    let total = 0;
    try {
      for await (const item of this.items(request)) {
        if (item.length > limits.maxItemBytes || !isSingleRlpItem(item)) {
          this.logger.error(
            { protocol: kind, bytes: item.length },
            "req/resp handler produced an unfit item",
          );
          yield errorFrame(Status.ServerError, "internal error");
          return;
        }
        // The response byte budget ends a response early, never mid-item; the client asks again for the rest.
        if (count > 0 && total + item.length > limits.maxResponseBytes) return;
        count++;
        total += item.length;
        yield concatBytes(Uint8Array.of(Status.Ok), item);
        if (count >= maxItems) return;
      }
    } catch (err) {
      this.logger.error({ protocol: kind, peer, err: errorMessage(err) }, "req/resp handler failed");
      yield errorFrame(Status.ServerError, "internal error");
    }
  }

  private items(request: Request): AsyncIterable<Uint8Array> {
    if (request.kind === "blocks") {
      if (this.blocksHandler === undefined) throw new P2pError("server-error", "no blocks handler");
      return this.blocksHandler(request.fromHeight, request.count);
    }
    if (request.kind === "held") {
      const held = this.heldHandlers.get(request.held.kind);
      if (held === undefined) throw new P2pError("server-error", `no ${request.held.kind} handler`);
      return (async function* () {
        yield* await held(request.held);
      })();
    }
    const handler = this.catchUpHandler;
    if (handler === undefined) throw new P2pError("server-error", "no catch-up handler");
    return (async function* () {
      yield* await handler(request.height);
    })();
  }
}

function parseRequest(kind: ReqRespProtocol, body: Uint8Array): Request {
  if (kind === "held") return { kind, held: decodeHeldRequest(body) };
  if (kind === "catchup") {
    const { height } = decodeCatchUpRequest(body);
    if (height < 1) throw new P2pError("invalid-request", "height must be >= 1");
    return { kind, height };
  }
  const { fromHeight, count } = decodeBlocksRequest(body);
  if (fromHeight < 1) throw new P2pError("invalid-request", "fromHeight must be >= 1");
  if (count < 1 || count > MAX_BLOCKS_PER_REQUEST) {
    throw new P2pError("invalid-request", `count must be 1..${MAX_BLOCKS_PER_REQUEST}, got ${count}`);
  }
  return { kind, fromHeight, count };
}
