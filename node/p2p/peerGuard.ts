import type { PeerId } from "@libp2p/interface";
import { errorMessage } from "../util/errors.ts";
import type { P2pLogger } from "./logger.ts";
import { BAN_PENALTY } from "./peerPenalties.ts";
import { GOSSIP_SCORE_THRESHOLDS } from "./scoring.ts";

/** Why the guard disconnected a peer: its gossipsub score, or the node's own penalties of it. */
export type DisconnectReason = "gossip-score" | "penalties";

export interface PeerGuardOptions {
  /** How often every connected peer is looked at. */
  checkEveryMs: number;
  /** How long a disconnected peer is refused (dials and inbound connections), so it cannot come straight back. */
  banMs: number;
  /** A gossipsub score below this disconnects (gossipsub itself only graylists: it drops the peer's RPCs). */
  graylistThreshold: number;
  /** A penalty at or above this disconnects, also a peer gossipsub does not score (no gossipsub stream). */
  banPenalty: number;
}

export const DEFAULT_PEER_GUARD: PeerGuardOptions = {
  checkEveryMs: 3_000,
  banMs: 10 * 60_000,
  graylistThreshold: GOSSIP_SCORE_THRESHOLDS.graylistThreshold,
  banPenalty: BAN_PENALTY,
};

export interface PeerGuardModules {
  connectedPeers(): PeerId[];
  gossipScore(peer: PeerId): number;
  penalty(peer: string): number;
  /** Through the connection gater (RefusedPeers). */
  refuse(peer: PeerId, forMs: number): void;
  hangUp(peer: PeerId): Promise<void>;
  isPersistent(peer: PeerId): boolean;
  logger: P2pLogger;
  onDisconnect?(reason: DisconnectReason): void;
}

/**
 * Disconnects and bans the peers that gossipsub graylists or the node has penalised past its ban level, as
 * Lodestar's PeerManager does: a graylisted peer stays connected otherwise, still costing a connection slot and
 * sending RPCs that are decoded before they are dropped, and req/resp has no graylist at all. Refused first, then
 * hung up, so the ban is in place before the peer could redial.
 */
export class PeerGuard {
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly hangingUp = new Set<string>();

  constructor(
    private readonly opts: PeerGuardOptions,
    private readonly modules: PeerGuardModules,
  ) {}

  start(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => this.check(), this.opts.checkEveryMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** One look at every connected peer; returns the ids of the peers it disconnects. */
  check(): string[] {
    const disconnected: string[] = [];
    for (const peer of this.modules.connectedPeers()) {
      const id = peer.toString();
      if (this.hangingUp.has(id)) continue;
      const score = this.modules.gossipScore(peer);
      const penalty = this.modules.penalty(id);
      // Penalties first: they are in the gossip score too, and the reason should name what the node saw.
      const reason: DisconnectReason | null =
        penalty >= this.opts.banPenalty
          ? "penalties"
          : score < this.opts.graylistThreshold
            ? "gossip-score"
            : null;
      if (reason === null) continue;
      this.disconnect(peer, reason, score, penalty);
      disconnected.push(id);
    }
    return disconnected;
  }

  private disconnect(peer: PeerId, reason: DisconnectReason, score: number, penalty: number): void {
    const { logger } = this.modules;
    const id = peer.toString();
    // A persistent (bootstrap) peer is banned too: one that sends garbage costs us as much as a stranger, and being
    // in our config makes it no less likely to be faulty or taken over. The bootstrap dialer waits the ban out.
    const persistent = this.modules.isPersistent(peer);
    this.modules.refuse(peer, this.opts.banMs);
    logger.warn(
      {
        peer: id,
        score: Math.round(score),
        penalty: Math.round(penalty),
        reason,
        persistent,
        banMs: this.opts.banMs,
      },
      "peer disconnected and banned for misbehaving",
    );
    this.modules.onDisconnect?.(reason);
    this.hangingUp.add(id);
    this.modules
      .hangUp(peer)
      .catch((err: unknown) => logger.debug({ peer: id, err: errorMessage(err) }, "hang-up failed"))
      .finally(() => this.hangingUp.delete(id));
  }
}
