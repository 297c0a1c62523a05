import { encodeDepositClaim } from "../types/index.ts";
import { errorMessage } from "../util/errors.ts";
import type { ServiceLogger } from "../util/logger.ts";
import { sample } from "../util/sample.ts";
import type { ClaimPool } from "./claimPool.ts";
import type { DepositIntake } from "./intake.ts";

export interface ClaimFetchOptions {
  /** How often the pool is looked at. */
  checkEveryMs: number;
  /** How long claims may wait above a missing nonce before the claims from that nonce are asked of peers. */
  gapMs: number;
  /** The wait between two asks. */
  retryMs: number;
  /** Peers asked at a time. */
  peersPerAsk: number;
  /** Claims served per answer at most (the "held" protocol's MAX_HELD_CLAIMS). */
  maxServed: number;
}

export const DEFAULT_CLAIM_FETCH: ClaimFetchOptions = {
  checkEveryMs: 1_000,
  gapMs: 3_000,
  retryMs: 5_000,
  peersPerAsk: 3,
  maxServed: 256,
};

type ClaimsRequest = { kind: "deposit-claims"; fromNonce: bigint };

/** The slice of node/p2p's ReqResp this uses ("held" protocol, deposit-claims kind). */
export interface ClaimReqResp {
  handleHeld(
    kind: "deposit-claims",
    handler: (request: ClaimsRequest) => Promise<Uint8Array[]>,
  ): Promise<void>;
  requestHeld(peer: string, request: ClaimsRequest): Promise<Uint8Array[]>;
}

export interface ClaimFetchModules {
  intake: Pick<DepositIntake, "judge" | "take">;
  pool: Pick<ClaimPool, "from" | "hasGap">;
  nextNonce(): bigint;
  reqresp: ClaimReqResp;
  peers(): string[];
  now(): number;
  logger: ServiceLogger;
  /** Told how many claims an answer added, for the node's metrics. */
  onFetched?(added: number): void;
  random?: () => number;
}

/**
 * Asks peers for the deposit claims they hold from the next nonce: once after a (re)start (claims gossiped while
 * the node was down never come back by themselves), and whenever claims have waited `gapMs` above a nonce this
 * node lacks. Serves what this node holds to peers that ask. Each fetched claim passes the gossip validation
 * (checked against L1), and one claim L1 contradicts discards the peer's whole answer.
 */
export class ClaimFetch {
  private timer: ReturnType<typeof setInterval> | null = null;
  private justStarted = true;
  private gapSince: number | null = null;
  private lastAskAt = Number.NEGATIVE_INFINITY;
  private asking = false;

  constructor(
    private readonly opts: ClaimFetchOptions,
    private readonly modules: ClaimFetchModules,
  ) {}

  start(): void {
    void this.modules.reqresp
      .handleHeld("deposit-claims", async (request) => this.serve(request.fromNonce))
      .catch((err: unknown) =>
        this.modules.logger.warn({ err: errorMessage(err) }, "cannot serve deposit claims"),
      );
    this.timer = setInterval(() => void this.tick(), this.opts.checkEveryMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  serve(fromNonce: bigint): Uint8Array[] {
    return this.modules.pool.from(fromNonce, this.opts.maxServed).map(encodeDepositClaim);
  }

  /** Asks if it is time to; returns the claims added. */
  async tick(): Promise<number> {
    if (this.asking) return 0;
    const at = this.modules.now();
    if (this.modules.pool.hasGap()) this.gapSince ??= at;
    else this.gapSince = null;
    const gapWaited = this.gapSince !== null && at - this.gapSince >= this.opts.gapMs;
    if (!(this.justStarted || gapWaited) || at - this.lastAskAt < this.opts.retryMs) return 0;
    const peers = sample(this.modules.peers(), this.opts.peersPerAsk, this.modules.random);
    if (peers.length === 0) return 0;
    this.lastAskAt = at;
    this.justStarted = false;
    this.asking = true;
    try {
      const fromNonce = this.modules.nextNonce();
      const added = await Promise.all(peers.map((peer) => this.askPeer(peer, fromNonce)));
      return added.reduce((a, b) => a + b, 0);
    } finally {
      this.asking = false;
    }
  }

  private async askPeer(peer: string, fromNonce: bigint): Promise<number> {
    const { intake, logger } = this.modules;
    let items: Uint8Array[];
    try {
      items = await this.modules.reqresp.requestHeld(peer, { kind: "deposit-claims", fromNonce });
    } catch (err) {
      logger.debug({ peer, err: errorMessage(err) }, "deposit claims request failed");
      return 0;
    }
    const accepted = [];
    for (const item of items) {
      const judged = await intake.judge(item);
      if (judged.verdict === "reject") {
        logger.warn({ peer }, "a peer answered with a deposit claim L1 contradicts; answer dropped");
        return 0;
      }
      if (judged.verdict === "accept") accepted.push(judged.claim);
    }
    let added = 0;
    for (const claim of accepted) if (intake.take(claim)) added++;
    if (added > 0) {
      logger.info({ peer, added }, "fetched deposit claims");
      this.modules.onFetched?.(added);
    }
    return added;
  }
}
