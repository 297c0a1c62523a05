import "../util/polyfill.ts";
import { GossipSub, type GossipSubComponents } from "@chainsafe/libp2p-gossipsub";
import { noise } from "@chainsafe/libp2p-noise";
import { yamux } from "@chainsafe/libp2p-yamux";
import { type Identify, identify } from "@libp2p/identify";
import type { PeerId, PrivateKey } from "@libp2p/interface";
import { tcp } from "@libp2p/tcp";
import type { Multiaddr } from "@multiformats/multiaddr";
import { createLibp2p, type Libp2p } from "libp2p";
import type { Hex } from "../crypto/index.ts";
import { errorMessage } from "../util/errors.ts";
import { BootstrapDialer, DEFAULT_REDIAL, parseBootstrap, type RedialOptions } from "./bootstrap.ts";
import { P2pError } from "./errors.ts";
import { GenesisCheck, RefusedPeers } from "./genesisCheck.ts";
import { gossipsubOptions } from "./gossipConfig.ts";
import type { P2pLogger } from "./logger.ts";
import type { PeerPenalties } from "./peerPenalties.ts";

export const DEFAULT_LISTEN = ["/ip4/127.0.0.1/tcp/0"];

export interface P2pHostOptions {
  /** Multiaddrs to listen on; port 0 picks a free port. */
  listen?: readonly string[];
  /** Peers to keep connected to, as multiaddrs ending in /p2p/<peer id>; our own entry is skipped. */
  bootstrap?: readonly string[];
  privateKey: PrivateKey;
  chainId: bigint;
  /** Peers whose genesis hash differs are refused (genesisCheck.ts). */
  genesisHash: Hex;
  redial?: RedialOptions;
  maxConnections?: number;
  /**
   * Dial no address but the bootstrap entries' own, never one learnt from a peer (identify): a test network
   * whose links run through proxies must not be bypassed. Off by default.
   */
  dialOnlyBootstrap?: boolean;
}

export interface P2pHostModules {
  logger: P2pLogger;
  /** The node's own penalties of peers, fed to gossipsub's score (P5); none without it. */
  penalties?: Pick<PeerPenalties, "appSpecificScore">;
}

export type P2pLibp2p = Libp2p<{ identify: Identify; pubsub: GossipSub }>;

export interface P2pHost {
  readonly libp2p: P2pLibp2p;
  readonly peerId: PeerId;
  readonly chainId: bigint;
  /** Our listen addresses with /p2p/<id>, usable as other nodes' bootstrap entries. */
  multiaddrs(): string[];
  peerCount(): number;
  connectedPeers(): PeerId[];
  /** Denies the peer's dials and inbound connections for `forMs` (connection gater); it does not disconnect. */
  refuse(peer: PeerId, forMs: number): void;
  /** Whether the peer is one of the bootstrap (persistent) peers this host keeps redialling. */
  isPersistent(peer: PeerId): boolean;
  stop(): Promise<void>;
}

/** An address without its /p2p/<id> part, so the same transport address compares equal with or without it. */
function transportPart(addr: Multiaddr): string {
  return addr.getPeerId() === null ? addr.toString() : addr.decapsulateCode(P2P_CODE).toString();
}

/** The multicodec of the /p2p/<peer id> component. */
const P2P_CODE = 421;

export async function createP2pHost(opts: P2pHostOptions, modules: P2pHostModules): Promise<P2pHost> {
  const { logger } = modules;
  const bootstrap = parseBootstrap(opts.bootstrap ?? []);
  const listen = [...(opts.listen ?? DEFAULT_LISTEN)];
  const pubsubOptions = gossipsubOptions(opts.chainId, modules.penalties?.appSpecificScore);
  const refused = new RefusedPeers(Date.now);
  const dialable = new Set(bootstrap.map((p) => transportPart(p.addr)));
  let libp2p: P2pLibp2p;
  try {
    libp2p = await createLibp2p({
      // Started below, once the genesis protocol is served: a peer connecting earlier would find it missing.
      start: false,
      privateKey: opts.privateKey,
      addresses: { listen },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      connectionManager: { maxConnections: opts.maxConnections ?? 100 },
      connectionGater: {
        denyDialPeer: (peer) => refused.has(peer),
        denyDialMultiaddr: (addr) => opts.dialOnlyBootstrap === true && !dialable.has(transportPart(addr)),
        denyInboundEncryptedConnection: (peer) => refused.has(peer),
      },
      services: {
        identify: identify(),
        pubsub: (components: GossipSubComponents) => new GossipSub(components, pubsubOptions),
      },
    });
  } catch (err) {
    throw new P2pError("config", `cannot create libp2p: ${errorMessage(err)}`, { cause: err });
  }
  const genesisCheck = new GenesisCheck(
    { chainId: opts.chainId, genesisHash: opts.genesisHash },
    { libp2p, refused, logger },
  );
  await genesisCheck.register();
  try {
    await libp2p.start();
  } catch (err) {
    throw new P2pError("config", `cannot start libp2p on ${listen.join(", ")}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  const dialer = new BootstrapDialer(libp2p, bootstrap, opts.redial ?? DEFAULT_REDIAL, logger, (peer) =>
    refused.remainingMs(peer),
  );
  const persistent = new Set(bootstrap.map((p) => p.peerId.toString()));
  dialer.start();
  const host: P2pHost = {
    libp2p,
    peerId: libp2p.peerId,
    chainId: opts.chainId,
    multiaddrs: () =>
      libp2p.getMultiaddrs().map((addr) => {
        const text = addr.toString();
        return text.includes("/p2p/") ? text : `${text}/p2p/${libp2p.peerId.toString()}`;
      }),
    peerCount: () => libp2p.getPeers().length,
    connectedPeers: () => libp2p.getPeers(),
    refuse: (peer, forMs) => refused.refuse(peer, forMs),
    isPersistent: (peer) => persistent.has(peer.toString()),
    stop: async () => {
      dialer.stop();
      genesisCheck.stop();
      await libp2p.stop();
    },
  };
  logger.info({ peerId: libp2p.peerId.toString(), listen: host.multiaddrs() }, "p2p host started");
  return host;
}
