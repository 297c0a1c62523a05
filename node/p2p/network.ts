import { Gossip, type GossipOptions, type TopicCounters } from "./gossip.ts";
import { createP2pHost, type P2pHost, type P2pHostOptions } from "./host.ts";
import type { P2pLogger } from "./logger.ts";
import { type DisconnectReason, PeerGuard, type PeerGuardOptions } from "./peerGuard.ts";
import {
  DEFAULT_PEER_PENALTIES,
  PeerPenalties,
  type PeerPenaltiesOptions,
  type PenaltyCause,
} from "./peerPenalties.ts";
import { ReqResp, type ReqRespOptions } from "./reqresp.ts";
import { TOPIC_NAMES, type TopicName } from "./topics.ts";

export interface NetworkOptions extends P2pHostOptions {
  gossip?: GossipOptions;
  reqresp?: ReqRespOptions;
  penalties?: PeerPenaltiesOptions;
  /** Disconnects and bans misbehaving peers (peerGuard.ts); off unless given (tests that study a bad peer). */
  peerGuard?: PeerGuardOptions;
}

export interface NetworkModules {
  logger: P2pLogger;
  /** Counts penalties by cause and the guard's disconnects by reason (the node's metrics). */
  peerEvents?: {
    penalty(cause: PenaltyCause): void;
    disconnected(reason: DisconnectReason): void;
  };
}

export interface PeerInfo {
  id: string;
  /** Remote addresses of the open connections. */
  addrs: string[];
  direction: "inbound" | "outbound";
  gossipScore: number;
}

export interface NetworkStatus {
  peerId: string;
  listen: string[];
  peerCount: number;
  meshPeers: Record<TopicName, number>;
  gossip: Record<TopicName, TopicCounters>;
}

/** The node's one handle on p2p: the host, its gossip topics and its request/response protocols. */
export class Network {
  private constructor(
    readonly host: P2pHost,
    readonly gossip: Gossip,
    readonly reqresp: ReqResp,
    /** The node's own penalties of peers: req/resp adds them here, sync through the node. */
    readonly penalties: PeerPenalties,
    private readonly guard: PeerGuard | null,
  ) {}

  static async create(opts: NetworkOptions, modules: NetworkModules): Promise<Network> {
    const { logger, peerEvents } = modules;
    const penalties = new PeerPenalties(opts.penalties ?? DEFAULT_PEER_PENALTIES, {
      now: Date.now,
      ...(peerEvents === undefined ? {} : { onPenalty: (cause: PenaltyCause) => peerEvents.penalty(cause) }),
    });
    const host = await createP2pHost(opts, { logger, penalties });
    const gossip = new Gossip(host, opts.gossip ?? {}, { logger });
    const guard =
      opts.peerGuard === undefined
        ? null
        : new PeerGuard(opts.peerGuard, {
            connectedPeers: () => host.connectedPeers(),
            gossipScore: (peer) => gossip.peerScore(peer),
            penalty: (peer) => penalties.penalty(peer),
            refuse: (peer, forMs) => host.refuse(peer, forMs),
            hangUp: (peer) => host.libp2p.hangUp(peer),
            isPersistent: (peer) => host.isPersistent(peer),
            logger,
            ...(peerEvents === undefined
              ? {}
              : { onDisconnect: (reason: DisconnectReason) => peerEvents.disconnected(reason) }),
          });
    guard?.start();
    return new Network(
      host,
      gossip,
      new ReqResp(host, opts.reqresp ?? {}, { logger, penalties }),
      penalties,
      guard,
    );
  }

  get peerId(): string {
    return this.host.peerId.toString();
  }

  peers(): PeerInfo[] {
    return this.host.connectedPeers().map((peer) => {
      const connections = this.host.libp2p.getConnections(peer);
      return {
        id: peer.toString(),
        addrs: connections.map((c) => c.remoteAddr.toString()),
        direction: connections.some((c) => c.direction === "outbound") ? "outbound" : "inbound",
        gossipScore: this.gossip.peerScore(peer),
      };
    });
  }

  status(): NetworkStatus {
    return {
      peerId: this.peerId,
      listen: this.host.multiaddrs(),
      peerCount: this.host.peerCount(),
      meshPeers: Object.fromEntries(TOPIC_NAMES.map((n) => [n, this.gossip.meshPeers(n).length])) as Record<
        TopicName,
        number
      >,
      gossip: this.gossip.stats(),
    };
  }

  async stop(): Promise<void> {
    this.guard?.stop();
    this.gossip.stop();
    await this.reqresp.stop();
    await this.host.stop();
  }
}
