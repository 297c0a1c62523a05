import type { PeerId } from "@libp2p/interface";
import { errorMessage } from "../util/errors.ts";
import { P2pError } from "./errors.ts";
import type { P2pHost } from "./host.ts";
import type { P2pLogger } from "./logger.ts";
import type { PeerPenaltySink } from "./peerPenalties.ts";
import { type RequestOptions, requestItems } from "./reqrespClient.ts";
import {
  type BlocksHandler,
  type CatchUpHandler,
  type HeldHandler,
  ReqRespServer,
  type ServerOptions,
} from "./reqrespServer.ts";
import {
  encodeBlocksRequest,
  encodeCatchUpRequest,
  encodeHeldRequest,
  HELD_LIMITS,
  type HeldKind,
  type HeldRequest,
  MAX_BLOCKS_PER_REQUEST,
  RESPONSE_LIMITS,
  type ReqRespProtocol,
  type ResponseLimits,
} from "./reqrespWire.ts";

export type ReqRespOptions = ServerOptions;

export interface ReqRespModules {
  logger: P2pLogger;
  /** Where a peer's malformed request or response frames are counted against it. */
  penalties?: PeerPenaltySink;
}

const DEFAULT_TIMEOUT_MS: Readonly<Record<ReqRespProtocol, number>> = {
  blocks: 15_000,
  catchup: 5_000,
  held: 5_000,
};

/**
 * Request/response over libp2p streams (DESIGN §3): block-range sync and current-height catch-up, because
 * gossipsub never resends what a node missed. The node registers the serving handlers and calls the clients.
 */
export class ReqResp {
  private readonly server: ReqRespServer;
  private readonly penalties: PeerPenaltySink | undefined;

  constructor(
    private readonly host: P2pHost,
    opts: ReqRespOptions,
    modules: ReqRespModules,
  ) {
    this.server = new ReqRespServer(host, opts, modules.logger, modules.penalties);
    this.penalties = modules.penalties;
  }

  handleBlocks(handler: BlocksHandler): Promise<void> {
    return this.server.handleBlocks(handler);
  }

  handleCatchUp(handler: CatchUpHandler): Promise<void> {
    return this.server.handleCatchUp(handler);
  }

  /** Up to `count` (<= 64) RLP([block, commit]) items from `fromHeight`; fewer if the peer has fewer. */
  async requestBlocks(
    peer: PeerId | string,
    fromHeight: number,
    count: number,
    opts: RequestOptions = {},
  ): Promise<Uint8Array[]> {
    if (!Number.isSafeInteger(count) || count < 1 || count > MAX_BLOCKS_PER_REQUEST) {
      throw new P2pError("invalid-request", `count must be 1..${MAX_BLOCKS_PER_REQUEST}, got ${count}`);
    }
    if (!Number.isSafeInteger(fromHeight) || fromHeight < 1) {
      throw new P2pError("invalid-request", `fromHeight must be a height >= 1, got ${fromHeight}`);
    }
    const limits = { ...RESPONSE_LIMITS.blocks, maxItems: count };
    return this.request("blocks", peer, encodeBlocksRequest(fromHeight, count), limits, opts);
  }

  /** The peer's proposals and votes for `height` if that is its current height, else []. */
  async requestCatchUp(
    peer: PeerId | string,
    height: number,
    opts: RequestOptions = {},
  ): Promise<Uint8Array[]> {
    if (!Number.isSafeInteger(height) || height < 1) {
      throw new P2pError("invalid-request", `height must be >= 1, got ${height}`);
    }
    return this.request("catchup", peer, encodeCatchUpRequest(height), RESPONSE_LIMITS.catchup, opts);
  }

  handleHeld<K extends HeldKind>(kind: K, handler: HeldHandler<K>): Promise<void> {
    return this.server.handleHeld(kind, handler);
  }

  /** The payloads the peer holds for `request` (checkpoint-sig or deposit-claim gossip payloads), maybe none. */
  async requestHeld(
    peer: PeerId | string,
    request: HeldRequest,
    opts: RequestOptions = {},
  ): Promise<Uint8Array[]> {
    let body: Uint8Array;
    try {
      body = encodeHeldRequest(request);
    } catch (err) {
      throw new P2pError("invalid-request", `cannot encode the held request: ${errorMessage(err)}`);
    }
    return this.request("held", peer, body, HELD_LIMITS[request.kind], opts);
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  private async request(
    kind: ReqRespProtocol,
    peer: PeerId | string,
    body: Uint8Array,
    limits: ResponseLimits,
    opts: RequestOptions,
  ): Promise<Uint8Array[]> {
    const maxResponseBytes = Math.min(
      opts.maxResponseBytes ?? limits.maxResponseBytes,
      limits.maxResponseBytes,
    );
    try {
      return await requestItems(this.host.libp2p, {
        chainId: this.host.chainId,
        kind,
        peer,
        body,
        limits: { ...limits, maxResponseBytes },
        timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS[kind],
      });
    } catch (err) {
      if (breachesProtocol(err, maxResponseBytes < limits.maxResponseBytes))
        this.penalties?.add(peer.toString(), "bad-response");
      throw err;
    }
  }
}

/**
 * Whether a failed request proves the peer broke the protocol: a malformed frame always does; "too-large" only
 * when we asked for no less than the protocol allows, since an honest peer answers up to the protocol's budget.
 * A timeout, a reset or a refusal proves nothing.
 */
function breachesProtocol(err: unknown, loweredLimit: boolean): boolean {
  if (!(err instanceof P2pError)) return false;
  return err.code === "bad-frame" || (err.code === "too-large" && !loweredLimit);
}

export type { BlocksHandler, CatchUpHandler, HeldHandler, HeldRequest, RequestOptions };
