import type { GossipSub, GossipsubMessage } from "@chainsafe/libp2p-gossipsub";
import { type PeerId, TopicValidatorResult } from "@libp2p/interface";
import { errorMessage } from "../util/errors.ts";
import { P2pError } from "./errors.ts";
import type { P2pHost } from "./host.ts";
import type { P2pLogger } from "./logger.ts";
import { TOPIC_MAX_BYTES, TOPIC_NAMES, type TopicName, topicNamesByString, topicString } from "./topics.ts";

/** The node's verdict on a payload: reject penalises the sender (invalid), ignore does not (e.g. stale). */
export type ValidationResult = "accept" | "reject" | "ignore";
export type GossipValidator = (data: Uint8Array, from: PeerId) => Promise<ValidationResult>;
export type GossipHandler = (data: Uint8Array, from: PeerId) => void;

export type PublishOutcome =
  | { status: "sent"; recipients: number }
  /** No peer is subscribed yet; nothing was sent and the payload may be published again later. */
  | { status: "no-peers" }
  /** The same payload was already published or received recently; gossipsub has it. */
  | { status: "duplicate" }
  | { status: "failed"; reason: string };

export interface TopicCounters {
  published: number;
  publishNoPeers: number;
  publishDuplicate: number;
  publishFailed: number;
  accepted: number;
  rejected: number;
  ignored: number;
  /** Rejected for size before the validator ran. */
  oversize: number;
  /** Ignored because too many validations of this topic were already running. */
  overloaded: number;
}

export interface GossipOptions {
  /** Validations of one topic running at once; beyond it messages are ignored (dropped, sender not penalised). */
  maxPendingValidations?: number;
}

export interface GossipModules {
  logger: P2pLogger;
}

const VERDICT: Readonly<Record<ValidationResult, TopicValidatorResult>> = {
  accept: TopicValidatorResult.Accept,
  reject: TopicValidatorResult.Reject,
  ignore: TopicValidatorResult.Ignore,
};

function zeroCounters(): TopicCounters {
  return {
    published: 0,
    publishNoPeers: 0,
    publishDuplicate: 0,
    publishFailed: 0,
    accepted: 0,
    rejected: 0,
    ignored: 0,
    oversize: 0,
    overloaded: 0,
  };
}

/**
 * The gossip topics over gossipsub, in bytes only: the node registers a validator per topic (decoding and
 * signature checks live there, so p2p never imports consensus or app) and handlers that see accepted messages.
 * Nothing is forwarded before its validator accepts it (asyncValidation), and a topic is subscribed only once
 * it has a validator, so this node never relays unchecked data.
 */
export class Gossip {
  private readonly pubsub: GossipSub;
  private readonly names: Map<string, TopicName>;
  private readonly validators = new Map<TopicName, GossipValidator>();
  private readonly handlers = new Map<TopicName, Set<GossipHandler>>();
  private readonly pending = new Map<TopicName, number>();
  private readonly counters = Object.fromEntries(TOPIC_NAMES.map((n) => [n, zeroCounters()])) as Record<
    TopicName,
    TopicCounters
  >;
  private readonly maxPending: number;
  private readonly logger: P2pLogger;

  constructor(
    private readonly host: P2pHost,
    opts: GossipOptions,
    modules: GossipModules,
  ) {
    this.pubsub = host.libp2p.services.pubsub;
    this.names = topicNamesByString(host.chainId);
    this.maxPending = opts.maxPendingValidations ?? 1024;
    this.logger = modules.logger;
    this.pubsub.addEventListener("gossipsub:message", this.onGossipMessage);
  }

  /** Registers the topic's validator and subscribes to the topic. */
  setValidator(name: TopicName, validator: GossipValidator): void {
    this.validators.set(name, validator);
    this.pubsub.subscribe(this.topic(name));
  }

  /** Delivers each accepted message of the topic; returns a function that removes the handler. */
  onMessage(name: TopicName, handler: GossipHandler): () => void {
    let set = this.handlers.get(name);
    if (set === undefined) {
      set = new Set();
      this.handlers.set(name, set);
    }
    set.add(handler);
    return () => set.delete(handler);
  }

  /**
   * Publishes to the topic's peers. Never throws for the network's state (no peers yet, duplicate); throws
   * P2pError "too-large" for a payload over the topic's limit, which every peer would reject and punish.
   */
  async publish(name: TopicName, data: Uint8Array): Promise<PublishOutcome> {
    const limit = TOPIC_MAX_BYTES[name];
    if (data.length > limit) {
      throw new P2pError(
        "too-large",
        `${name} payload of ${data.length} bytes is over the ${limit}-byte limit`,
      );
    }
    const counters = this.counters[name];
    try {
      const { recipients } = await this.pubsub.publish(this.topic(name), data);
      counters.published++;
      return { status: "sent", recipients: recipients.length };
    } catch (err) {
      const reason = errorMessage(err);
      if (reason.includes("NoPeersSubscribedToTopic")) {
        counters.publishNoPeers++;
        this.logger.debug({ topic: name }, "gossip publish: no peers subscribed yet");
        return { status: "no-peers" };
      }
      if (reason.includes("Duplicate")) {
        counters.publishDuplicate++;
        return { status: "duplicate" };
      }
      counters.publishFailed++;
      this.logger.warn({ topic: name, err: reason }, "gossip publish failed");
      return { status: "failed", reason };
    }
  }

  /** Peers in our mesh for the topic (forwarding partners). */
  meshPeers(name: TopicName): string[] {
    return this.pubsub.getMeshPeers(this.topic(name));
  }

  /** Connected peers subscribed to the topic. */
  topicPeers(name: TopicName): string[] {
    return this.pubsub.getSubscribers(this.topic(name)).map((p) => p.toString());
  }

  /** The peer's gossipsub score; below -16000 it is graylisted (scoring.ts). */
  peerScore(peer: PeerId | string): number {
    return this.pubsub.getScore(peer.toString());
  }

  stats(): Record<TopicName, TopicCounters> {
    return structuredClone(this.counters);
  }

  stop(): void {
    this.pubsub.removeEventListener("gossipsub:message", this.onGossipMessage);
    for (const name of this.validators.keys()) this.pubsub.unsubscribe(this.topic(name));
    this.validators.clear();
    this.handlers.clear();
  }

  private topic(name: TopicName): string {
    return topicString(this.host.chainId, name);
  }

  private readonly onGossipMessage = (evt: CustomEvent<GossipsubMessage>): void => {
    const { propagationSource, msgId, msg } = evt.detail;
    const report = (verdict: TopicValidatorResult): void =>
      this.pubsub.reportMessageValidationResult(msgId, propagationSource.toString(), verdict);
    const name = this.names.get(msg.topic);
    if (name === undefined) {
      report(TopicValidatorResult.Ignore);
      return;
    }
    const counters = this.counters[name];
    const validator = this.validators.get(name);
    if (validator === undefined) {
      counters.ignored++;
      report(TopicValidatorResult.Ignore);
      return;
    }
    if (msg.data.length > TOPIC_MAX_BYTES[name]) {
      counters.oversize++;
      this.logger.debug(
        { topic: name, bytes: msg.data.length, peer: propagationSource.toString() },
        "gossip payload over the topic limit",
      );
      report(TopicValidatorResult.Reject);
      return;
    }
    const pending = this.pending.get(name) ?? 0;
    if (pending >= this.maxPending) {
      counters.overloaded++;
      report(TopicValidatorResult.Ignore);
      return;
    }
    this.pending.set(name, pending + 1);
    void this.validate(name, validator, msg.data, propagationSource, report);
  };

  private async validate(
    name: TopicName,
    validator: GossipValidator,
    data: Uint8Array,
    from: PeerId,
    report: (verdict: TopicValidatorResult) => void,
  ): Promise<void> {
    const counters = this.counters[name];
    let result: ValidationResult;
    try {
      result = await validator(data, from);
    } catch (err) {
      // A validator bug is ours, not the sender's: do not penalise, do not forward.
      this.logger.error({ topic: name, err: errorMessage(err) }, "gossip validator threw");
      result = "ignore";
    } finally {
      this.pending.set(name, (this.pending.get(name) ?? 1) - 1);
    }
    try {
      report(VERDICT[result] ?? TopicValidatorResult.Ignore);
    } catch (err) {
      this.logger.warn({ topic: name, err: errorMessage(err) }, "gossip verdict not reported");
    }
    if (result === "accept") {
      counters.accepted++;
      this.deliver(name, data, from);
    } else if (result === "reject") {
      counters.rejected++;
    } else {
      counters.ignored++;
    }
  }

  private deliver(name: TopicName, data: Uint8Array, from: PeerId): void {
    for (const handler of this.handlers.get(name) ?? []) {
      try {
        handler(data, from);
      } catch (err) {
        this.logger.error({ topic: name, err: errorMessage(err) }, "gossip handler threw");
      }
    }
  }
}
