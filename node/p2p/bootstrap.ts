import type { Libp2p, PeerId } from "@libp2p/interface";
import { peerIdFromString } from "@libp2p/peer-id";
import { type Multiaddr, multiaddr } from "@multiformats/multiaddr";
import { errorMessage } from "../util/errors.ts";
import { P2pError } from "./errors.ts";
import type { P2pLogger } from "./logger.ts";

export interface RedialOptions {
  /** First retry delay after a disconnect or failed dial; doubles per failure. */
  minMs: number;
  maxMs: number;
}

export const DEFAULT_REDIAL: RedialOptions = { minMs: 250, maxMs: 10_000 };

export interface BootstrapPeer {
  peerId: PeerId;
  addr: Multiaddr;
}

/** Parses bootstrap multiaddrs; each must name its peer (/p2p/<id>) so a dial proves who answered. */
export function parseBootstrap(addrs: readonly string[]): BootstrapPeer[] {
  return addrs.map((text) => {
    let addr: Multiaddr;
    try {
      addr = multiaddr(text);
    } catch (err) {
      throw new P2pError("config", `bootstrap address ${JSON.stringify(text)} is not a multiaddr`, {
        cause: err,
      });
    }
    const id = addr.getPeerId();
    if (id === null) throw new P2pError("config", `bootstrap address ${text} lacks a /p2p/<peer id> part`);
    try {
      return { peerId: peerIdFromString(id), addr };
    } catch (err) {
      throw new P2pError("config", `bootstrap address ${text} has an invalid peer id`, { cause: err });
    }
  });
}

interface Target extends BootstrapPeer {
  failures: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  dialing: boolean;
}

/**
 * Keeps this node connected to its configured bootstrap peers for as long as it runs: dials them at start and
 * redials with capped exponential backoff whenever one disconnects or a dial fails. libp2p's own reconnect
 * queue gives up after a few attempts; a validator must find a restarted peer however long it was away.
 */
export class BootstrapDialer {
  private readonly targets: Map<string, Target>;
  private readonly abort = new AbortController();
  private stopped = false;

  constructor(
    private readonly libp2p: Libp2p,
    peers: readonly BootstrapPeer[],
    private readonly opts: RedialOptions,
    private readonly logger: P2pLogger,
    /** How long the connection gater still refuses the peer (banned or another genesis); 0 if it does not. */
    private readonly refusedForMs: (peer: PeerId) => number = () => 0,
  ) {
    const self = libp2p.peerId.toString();
    this.targets = new Map(
      peers
        .filter((p) => p.peerId.toString() !== self)
        .map((p) => [p.peerId.toString(), { ...p, failures: 0, timer: undefined, dialing: false }]),
    );
  }

  start(): void {
    this.libp2p.addEventListener("peer:disconnect", this.onDisconnect);
    this.libp2p.addEventListener("peer:connect", this.onConnect);
    for (const target of this.targets.values()) this.dial(target);
  }

  stop(): void {
    this.stopped = true;
    this.abort.abort();
    this.libp2p.removeEventListener("peer:disconnect", this.onDisconnect);
    this.libp2p.removeEventListener("peer:connect", this.onConnect);
    for (const target of this.targets.values()) clearTimeout(target.timer);
  }

  private readonly onDisconnect = (evt: CustomEvent<PeerId>): void => {
    const target = this.targets.get(evt.detail.toString());
    if (target === undefined || this.stopped) return;
    this.logger.info({ peer: target.peerId.toString() }, "bootstrap peer disconnected; redialling");
    this.schedule(target);
  };

  private readonly onConnect = (evt: CustomEvent<PeerId>): void => {
    const target = this.targets.get(evt.detail.toString());
    if (target === undefined) return;
    target.failures = 0;
    clearTimeout(target.timer);
    target.timer = undefined;
  };

  private connected(target: Target): boolean {
    return this.libp2p.getConnections(target.peerId).length > 0;
  }

  private dial(target: Target): void {
    if (this.stopped || target.dialing || this.connected(target)) return;
    target.dialing = true;
    this.libp2p
      .dial(target.addr, { signal: this.abort.signal })
      .then(() => {
        target.failures = 0;
      })
      .catch((err: unknown) => {
        if (this.stopped) return;
        target.failures++;
        this.logger.debug(
          { peer: target.peerId.toString(), failures: target.failures, err: errorMessage(err) },
          "bootstrap dial failed",
        );
        this.schedule(target);
      })
      .finally(() => {
        target.dialing = false;
      });
  }

  private schedule(target: Target): void {
    if (this.stopped || target.timer !== undefined) return;
    const base = Math.min(this.opts.maxMs, this.opts.minMs * 2 ** Math.min(target.failures, 20));
    // Jitter keeps peers that lost each other at the same moment from redialling in lockstep.
    const backoff = base * (0.75 + Math.random() * 0.5);
    // A refused peer is not dialled until its refusal ends: each dial would only be denied by our own gater.
    const delay = Math.max(backoff, this.refusedForMs(target.peerId));
    target.timer = setTimeout(() => {
      target.timer = undefined;
      this.dial(target);
    }, delay);
  }
}
