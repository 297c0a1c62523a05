import { GOSSIP_SCORE_THRESHOLDS } from "./scoring.ts";

/**
 * What a peer did wrong outside gossip validation, which gossipsub cannot see:
 * - bad-request: a req/resp request frame that is malformed, over the size limit or invalid by the protocol;
 * - bad-response: a req/resp response frame that is malformed or over a limit;
 * - bad-block: a block or a range served to sync that does not decode, fit the request or verify;
 * - rate-limited: a request refused because the peer spent its quota (counted per refusal, so it takes many).
 */
export type PenaltyCause = "bad-request" | "bad-response" | "bad-block" | "rate-limited";

/**
 * One offence: four in quick succession bring a peer to the graylist threshold (appSpecificWeight is 1) and the
 * ban level, a fifth takes it past them; spread over a half-life, it takes a few more.
 */
const OFFENCE = -GOSSIP_SCORE_THRESHOLDS.graylistThreshold / 4;

/**
 * A lie about the chain costs twice a broken frame. A quota refusal is what an over-eager honest peer can also
 * earn now and then, so it takes dozens of them in a few minutes.
 */
export const PENALTY_WEIGHTS: Readonly<Record<PenaltyCause, number>> = {
  "bad-request": OFFENCE,
  "bad-response": OFFENCE,
  "bad-block": 2 * OFFENCE,
  "rate-limited": OFFENCE / 20,
};

/** The penalty at which the peer guard disconnects and bans a peer, gossip or not (peerGuard.ts). */
export const BAN_PENALTY = -GOSSIP_SCORE_THRESHOLDS.graylistThreshold;

export interface PeerPenaltiesOptions {
  /** A penalty halves every this long, so a peer that stops misbehaving is forgiven (Lodestar: 10 minutes). */
  halfLifeMs: number;
  /** Peers tracked at most; beyond it the least penalised is forgotten. */
  maxPeers: number;
}

export const DEFAULT_PEER_PENALTIES: PeerPenaltiesOptions = { halfLifeMs: 10 * 60_000, maxPeers: 1024 };

export interface PeerPenaltiesModules {
  now(): number;
  /** Each penalty as it is added (the node counts them by cause). */
  onPenalty?(cause: PenaltyCause): void;
}

/** Where the p2p parts report an offence (a PeerPenalties, or nothing in a test that has none). */
export type PeerPenaltySink = Pick<PeerPenalties, "add">;

interface Entry {
  penalty: number;
  atMs: number;
}

/** Below this a decayed penalty is forgotten: it no longer changes any decision. */
const NEGLIGIBLE = 1;

/**
 * Per-peer application penalties with exponential decay. They feed gossipsub's application-specific score (P5),
 * so a peer that sends broken req/resp frames or bad blocks is graylisted like one that gossips junk, and the
 * peer guard reads them directly for peers gossipsub does not score (no gossipsub stream open).
 */
export class PeerPenalties {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly opts: PeerPenaltiesOptions,
    private readonly modules: PeerPenaltiesModules,
  ) {}

  /** Adds the cause's weight to the peer's penalty; returns the new penalty. */
  add(peer: string, cause: PenaltyCause): number {
    const now = this.modules.now();
    const penalty = this.penalty(peer) + PENALTY_WEIGHTS[cause];
    this.entries.delete(peer);
    this.entries.set(peer, { penalty, atMs: now });
    if (this.entries.size > this.opts.maxPeers) this.forgetLeastPenalised(now, peer);
    this.modules.onPenalty?.(cause);
    return penalty;
  }

  /** The peer's current (decayed) penalty, >= 0. */
  penalty(peer: string): number {
    const entry = this.entries.get(peer);
    if (entry === undefined) return 0;
    const penalty = this.decayed(entry, this.modules.now());
    if (penalty < NEGLIGIBLE) {
      this.entries.delete(peer);
      return 0;
    }
    return penalty;
  }

  /** gossipsub's P5 (scoreParams.appSpecificScore): the penalty, negated. */
  readonly appSpecificScore = (peer: string): number => 0 - this.penalty(peer);

  get size(): number {
    return this.entries.size;
  }

  private decayed(entry: Entry, now: number): number {
    const elapsed = Math.max(0, now - entry.atMs);
    return entry.penalty * 0.5 ** (elapsed / this.opts.halfLifeMs);
  }

  /**
   * The least penalised goes, never the worst: a flood of fresh identities must not launder an offender. The peer
   * just penalised stays, or repeated small offences by one peer would never add up in a full table.
   */
  private forgetLeastPenalised(now: number, keep: string): void {
    let least: string | undefined;
    let leastPenalty = Number.POSITIVE_INFINITY;
    for (const [peer, entry] of this.entries) {
      if (peer === keep) continue;
      const penalty = this.decayed(entry, now);
      if (penalty < leastPenalty) {
        least = peer;
        leastPenalty = penalty;
      }
    }
    if (least !== undefined) this.entries.delete(least);
  }
}
