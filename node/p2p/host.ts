import "../util/polyfill.ts";
import { GossipSub, type GossipSubComponents } from "@chainsafe/libp2p-gossipsub";
import { noise } from "@chainsafe/libp2p-noise";
import { yamux } from "@chainsafe/libp2p-yamux";
import { type Identify, identify } from "@libp2p/identify";
import type { PeerId, PrivateKey } from "@libp2p/interface";
import { tcp } from "@libp2p/tcp";
import { createLibp2p, type Libp2p } from "libp2p";
import { errorMessage } from "../util/errors.ts";
import { BootstrapDialer, DEFAULT_REDIAL, parseBootstrap, type RedialOptions } from "./bootstrap.ts";
import { P2pError } from "./errors.ts";
import { gossipsubOptions } from "./gossipConfig.ts";
import type { P2pLogger } from "./logger.ts";

export const DEFAULT_LISTEN = ["/ip4/127.0.0.1/tcp/0"];

export interface P2pHostOptions {
  /** Multiaddrs to listen on; port 0 picks a free port. */
  listen?: readonly string[];
  /** Peers to keep connected to, as multiaddrs ending in /p2p/<peer id>; our own entry is skipped. */
  bootstrap?: readonly string[];
  privateKey: PrivateKey;
  chainId: bigint;
  redial?: RedialOptions;
  maxConnections?: number;
}

export interface P2pHostModules {
  logger: P2pLogger;
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
  stop(): Promise<void>;
}

export async function createP2pHost(opts: P2pHostOptions, modules: P2pHostModules): Promise<P2pHost> {
  const { logger } = modules;
  const bootstrap = parseBootstrap(opts.bootstrap ?? []);
  const listen = [...(opts.listen ?? DEFAULT_LISTEN)];
  const pubsubOptions = gossipsubOptions(opts.chainId);
  let libp2p: P2pLibp2p;
  try {
    libp2p = await createLibp2p({
      privateKey: opts.privateKey,
      addresses: { listen },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      connectionManager: { maxConnections: opts.maxConnections ?? 100 },
      services: {
        identify: identify(),
        pubsub: (components: GossipSubComponents) => new GossipSub(components, pubsubOptions),
      },
    });
  } catch (err) {
    throw new P2pError("config", `cannot start libp2p on ${listen.join(", ")}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  const dialer = new BootstrapDialer(libp2p, bootstrap, opts.redial ?? DEFAULT_REDIAL, logger);
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
    stop: async () => {
      dialer.stop();
      await libp2p.stop();
    },
  };
  logger.info({ peerId: libp2p.peerId.toString(), listen: host.multiaddrs() }, "p2p host started");
  return host;
}
