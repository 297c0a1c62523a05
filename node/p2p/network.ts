import { Gossip, type GossipOptions, type TopicCounters } from "./gossip.ts";
import { createP2pHost, type P2pHost, type P2pHostModules, type P2pHostOptions } from "./host.ts";
import { ReqResp, type ReqRespOptions } from "./reqresp.ts";
import { TOPIC_NAMES, type TopicName } from "./topics.ts";

export interface NetworkOptions extends P2pHostOptions {
  gossip?: GossipOptions;
  reqresp?: ReqRespOptions;
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
  ) {}

  static async create(opts: NetworkOptions, modules: P2pHostModules): Promise<Network> {
    const host = await createP2pHost(opts, modules);
    return new Network(
      host,
      new Gossip(host, opts.gossip ?? {}, modules),
      new ReqResp(host, opts.reqresp ?? {}, modules),
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
    this.gossip.stop();
    await this.reqresp.stop();
    await this.host.stop();
  }
}
