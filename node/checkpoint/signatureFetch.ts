import { checkpointHash } from "../types/checkpointSigning.ts";
import type { CertifiedCheckpoint } from "../types/shapes.ts";
import { errorMessage } from "../util/errors.ts";
import type { ServiceLogger } from "../util/logger.ts";
import { sample } from "../util/sample.ts";
import type { CheckpointCoordinator } from "./coordinator.ts";
import { encodeCheckpointSignature } from "./wire.ts";

export interface SignatureFetchOptions {
  /** How often the pending checkpoint is looked at. */
  checkEveryMs: number;
  /** How long a checkpoint may stay uncertified before its signatures are asked of peers. */
  pendingMs: number;
  /** The wait between two asks for one checkpoint. */
  retryMs: number;
  /** Peers asked at a time. */
  peersPerAsk: number;
}

export const DEFAULT_SIGNATURE_FETCH: SignatureFetchOptions = {
  checkEveryMs: 1_000,
  pendingMs: 3_000,
  retryMs: 5_000,
  peersPerAsk: 3,
};

type SignaturesRequest = { kind: "checkpoint-signatures"; number: number };

/** The slice of node/p2p's ReqResp this uses ("held" protocol, checkpoint-signatures kind). */
export interface SignatureReqResp {
  handleHeld(
    kind: "checkpoint-signatures",
    handler: (request: SignaturesRequest) => Promise<Uint8Array[]>,
  ): Promise<void>;
  requestHeld(peer: string, request: SignaturesRequest): Promise<Uint8Array[]>;
}

export interface SignatureFetchModules {
  coordinator: Pick<
    CheckpointCoordinator,
    "awaitingSignatures" | "heldSignatures" | "validate" | "onMessage"
  >;
  reqresp: SignatureReqResp;
  peers(): string[];
  /** A certified checkpoint a block carried (the store's), served once it has left the coordinator. */
  stored(number: number): Promise<CertifiedCheckpoint | null>;
  now(): number;
  logger: ServiceLogger;
  /** Told how many signatures an answer added, for the node's metrics. */
  onFetched?(added: number): void;
  random?: () => number;
}

/**
 * Asks peers for the signatures of a checkpoint that waits uncertified (at once after a (re)start, else once it
 * has waited `pendingMs`), and serves what this node holds to peers that ask. gossipsub never resends what a
 * node missed while it was away; re-gossip brings it too, but only every few seconds. Each fetched signature
 * passes the gossip validation, and one bad signature discards the peer's whole answer.
 */
export class SignatureFetch {
  private timer: ReturnType<typeof setInterval> | null = null;
  private tracked: { number: number; since: number; lastAskAt: number } | null = null;
  /** True until the first ask after a start: a restarted node missed whatever was sent while it was down. */
  private justStarted = true;
  private asking = false;

  constructor(
    private readonly opts: SignatureFetchOptions,
    private readonly modules: SignatureFetchModules,
  ) {}

  start(): void {
    void this.modules.reqresp
      .handleHeld("checkpoint-signatures", (request) => this.serve(request.number))
      .catch((err: unknown) =>
        this.modules.logger.warn({ err: errorMessage(err) }, "cannot serve checkpoint signatures"),
      );
    this.timer = setInterval(() => void this.tick(), this.opts.checkEveryMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** What this node holds for checkpoint `number`, as checkpoint-sig payloads. */
  async serve(number: number): Promise<Uint8Array[]> {
    const held = this.modules.coordinator.heldSignatures(number);
    if (held.length > 0) return held.map(encodeCheckpointSignature);
    const stored = await this.modules.stored(number);
    if (stored === null) return [];
    const hash = checkpointHash(stored.checkpoint);
    return stored.signatures.map(({ validator, signature }) =>
      encodeCheckpointSignature({ number, checkpointHash: hash, signer: validator, signature }),
    );
  }

  /** Asks if the pending checkpoint has waited long enough; returns the signatures added. */
  async tick(): Promise<number> {
    const { coordinator, now } = this.modules;
    const number = coordinator.awaitingSignatures();
    if (number === null || this.asking) return 0;
    const at = now();
    if (this.tracked?.number !== number)
      this.tracked = { number, since: at, lastAskAt: Number.NEGATIVE_INFINITY };
    const tracked = this.tracked;
    const waited = this.justStarted || at - tracked.since >= this.opts.pendingMs;
    if (!waited || at - tracked.lastAskAt < this.opts.retryMs) return 0;
    const peers = sample(this.modules.peers(), this.opts.peersPerAsk, this.modules.random);
    if (peers.length === 0) return 0;
    tracked.lastAskAt = at;
    this.justStarted = false;
    this.asking = true;
    try {
      const added = await Promise.all(peers.map((peer) => this.askPeer(peer, number)));
      return added.reduce((a, b) => a + b, 0);
    } finally {
      this.asking = false;
    }
  }

  private async askPeer(peer: string, number: number): Promise<number> {
    const { coordinator, logger } = this.modules;
    let items: Uint8Array[];
    try {
      items = await this.modules.reqresp.requestHeld(peer, { kind: "checkpoint-signatures", number });
    } catch (err) {
      logger.debug({ peer, number, err: errorMessage(err) }, "checkpoint signatures request failed");
      return 0;
    }
    // The whole answer is judged before any of it counts: one forgery and the peer's answer is dropped.
    const accepted: Uint8Array[] = [];
    for (const item of items) {
      const verdict = await coordinator.validate(item);
      if (verdict === "reject") {
        logger.warn({ peer, number }, "a peer answered with an invalid checkpoint signature; answer dropped");
        return 0;
      }
      if (verdict === "accept") accepted.push(item);
    }
    let added = 0;
    for (const item of accepted) {
      const before = coordinator.heldSignatures(number).length;
      coordinator.onMessage(item);
      if (coordinator.heldSignatures(number).length > before) added++;
    }
    if (added > 0) {
      logger.info({ peer, number, added }, "fetched checkpoint signatures");
      this.modules.onFetched?.(added);
    }
    return added;
  }
}
