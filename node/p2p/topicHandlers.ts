import type { Address } from "../crypto/index.ts";
import { type Block, decodeVote, type Proposal, type Vote } from "../types/index.ts";
import { decodeProposalMessage, decodeTxBatch } from "../types/wireMessages.ts";
import { errorMessage } from "../util/errors.ts";
import type { Gossip, ValidationResult } from "./gossip.ts";
import type { P2pLogger } from "./logger.ts";
import type { TopicName } from "./topics.ts";
import { DEFAULT_TX_GOSSIP, type GossipedTx, TxGossip, type TxGossipOptions } from "./txGossip.ts";

/** Recovers the signer of a consensus message (the consensus verifier, passed in so p2p does not import it). */
export interface SignerRecovery {
  voteSigner(chainId: bigint, vote: Vote): Address | null;
  proposalSigner(chainId: bigint, proposal: Proposal): Address | null;
}

/** A gossip topic whose validation and delivery belong to another part (deposit claims, checkpoint signatures). */
export interface TopicEndpoint {
  validate(data: Uint8Array): Promise<ValidationResult>;
  onMessage?(data: Uint8Array): void;
}

/** Where votes and proposals go once they pass. */
export interface TopicConsensus {
  /** Whether a message of this height by this signer can matter now; an irrelevant one is ignored. */
  relevant(height: number, signer: Address): boolean;
  submitVote(vote: Vote): void;
  submitProposal(message: { proposal: Proposal; block: Block }): void;
}

export interface TopicMempool {
  /**
   * Subscribes to transactions it accepted (from RPC or gossip: `origin` "peer"), to relay them; returns the
   * unsubscribe.
   */
  onAdded(listener: (tx: GossipedTx, origin?: "local" | "peer") => void): () => void;
  /** The held transactions, each sender's in nonce order, for re-gossip. */
  inNonceOrder(): Iterable<GossipedTx>;
}

/** The mempool's door, shared with RPC: checks wait there in a bounded queue, run in slices. */
export interface TopicTxAdmission {
  /**
   * Each transaction's outcome (a rejection carries an error whose `code` says why), or null when the node is too
   * busy to take the batch now.
   */
  admitBatch(raws: readonly Uint8Array[], origin: "peer"): Promise<PromiseSettledResult<unknown>[]> | null;
}

/** Mempool error codes that no honest node would relay: the sender is punished, not just ignored. */
const TX_REJECT_CODES = new Set(["invalid", "too-large"]);

export interface TopicHandlersOptions {
  chainId: bigint;
  /** Batching and re-gossip of transactions (default DEFAULT_TX_GOSSIP). */
  txGossip?: TxGossipOptions;
}

export interface TopicHandlersModules {
  gossip: Pick<Gossip, "setValidator" | "onMessage">;
  verifier: SignerRecovery;
  consensus: TopicConsensus;
  mempool: TopicMempool;
  admission: TopicTxAdmission;
  publish: Publish;
  depositClaims: TopicEndpoint;
  evidence: TopicEndpoint;
  /** null on a chain without an L1: it has no checkpoints. */
  checkpointSignatures: TopicEndpoint | null;
  /** The clock of transaction re-gossip (default Date.now). */
  now?: () => number;
}

/**
 * Every gossip payload is decoded and its signature checked here before gossipsub forwards it, so a peer that
 * sends garbage or forgeries is scored down and what reaches the node is already well formed.
 */
export class TopicHandlers {
  private readonly removers: (() => void)[] = [];
  readonly txGossip: TxGossip;

  constructor(
    private readonly opts: TopicHandlersOptions,
    private readonly modules: TopicHandlersModules,
  ) {
    this.txGossip = new TxGossip(opts.txGossip ?? DEFAULT_TX_GOSSIP, {
      held: () => modules.mempool.inNonceOrder(),
      publish: (topic, data) => modules.publish(topic, data),
      now: modules.now ?? Date.now,
    });
  }

  start(): void {
    const { gossip, depositClaims, checkpointSignatures } = this.modules;
    gossip.setValidator("vote", (data) => this.validateVote(data));
    this.removers.push(
      gossip.onMessage("vote", (data) => this.modules.consensus.submitVote(decodeVote(data))),
    );
    gossip.setValidator("proposal", (data) => this.validateProposal(data));
    this.removers.push(
      gossip.onMessage("proposal", (data) =>
        this.modules.consensus.submitProposal(decodeProposalMessage(data)),
      ),
    );
    gossip.setValidator("tx", (data) => this.validateTx(data));
    gossip.setValidator("txs", (data) => this.validateTxBatch(data));
    this.removers.push(
      this.modules.mempool.onAdded((tx, origin) =>
        origin === "peer" ? this.txGossip.fromPeer(tx) : this.txGossip.local(tx),
      ),
    );
    this.txGossip.start();
    this.removers.push(() => this.txGossip.stop());
    gossip.setValidator("deposit-claim", (data) => depositClaims.validate(data));
    gossip.setValidator("evidence", (data) => this.modules.evidence.validate(data));
    if (checkpointSignatures !== null) {
      gossip.setValidator("checkpoint-sig", (data) => checkpointSignatures.validate(data));
      const onMessage = checkpointSignatures.onMessage?.bind(checkpointSignatures);
      if (onMessage) this.removers.push(gossip.onMessage("checkpoint-sig", onMessage));
    }
  }

  stop(): void {
    for (const remove of this.removers.splice(0)) remove();
  }

  async validateVote(data: Uint8Array): Promise<ValidationResult> {
    try {
      const vote = decodeVote(data);
      if (!this.modules.consensus.relevant(vote.height, vote.validator)) return "ignore";
      return this.modules.verifier.voteSigner(this.opts.chainId, vote) === vote.validator
        ? "accept"
        : "reject";
    } catch {
      return "reject";
    }
  }

  async validateProposal(data: Uint8Array): Promise<ValidationResult> {
    try {
      const { proposal } = decodeProposalMessage(data);
      if (!this.modules.consensus.relevant(proposal.height, proposal.proposer)) return "ignore";
      return this.modules.verifier.proposalSigner(this.opts.chainId, proposal) === proposal.proposer
        ? "accept"
        : "reject";
    } catch {
      return "reject";
    }
  }

  async validateTx(data: Uint8Array): Promise<ValidationResult> {
    return this.admitTxs([data]);
  }

  async validateTxBatch(data: Uint8Array): Promise<ValidationResult> {
    let raws: Uint8Array[];
    try {
      raws = decodeTxBatch(data).raws;
    } catch {
      return "reject";
    }
    return this.admitTxs(raws);
  }

  /**
   * Each transaction is checked on its own. One that no honest node would relay makes the message invalid (its
   * sender is penalised); otherwise it is forwarded if it brought anything new, and ignored if every transaction
   * was known or stale (forwarding it would only cost peers), or if this node is too busy to check it now (the
   * sender's re-gossip brings it again).
   */
  private async admitTxs(raws: readonly Uint8Array[]): Promise<ValidationResult> {
    const outcomes = await this.modules.admission.admitBatch(raws, "peer");
    if (outcomes === null) return "ignore";
    let accepted = 0;
    for (const outcome of outcomes) {
      if (outcome.status === "fulfilled") {
        accepted++;
        continue;
      }
      const code = (outcome.reason as { code?: unknown }).code;
      if (typeof code === "string" && TX_REJECT_CODES.has(code)) return "reject";
    }
    return accepted > 0 ? "accept" : "ignore";
  }
}

/** Publishes without awaiting: a failed publish is logged, since the next message or catch-up makes up for it. */
export type Publish = (topic: TopicName, data: Uint8Array) => void;

export function createPublisher(gossip: Pick<Gossip, "publish">, logger: P2pLogger): Publish {
  return (topic, data) =>
    void gossip
      .publish(topic, data)
      .catch((err: unknown) => logger.warn({ err: errorMessage(err) }, "gossip publish failed"));
}
