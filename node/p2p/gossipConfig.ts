import { createHash } from "node:crypto";
import type { GossipsubOpts } from "@chainsafe/libp2p-gossipsub";
import type { Message } from "@libp2p/interface";
import { GOSSIP_SCORE_THRESHOLDS, gossipScoreParams } from "./scoring.ts";
import { MAX_TOPIC_BYTES, TOPIC_NAMES, topicString } from "./topics.ts";

/**
 * Message id = SHA-256(len(topic) ‖ topic ‖ data), as Ethereum's consensus layer does since Altair. Content
 * addressing makes one payload from many peers one message. The topic is in it so a payload replayed on another
 * topic cannot pre-empt (and silence) the real one. SHA-256 rather than keccak: gossipsub hashes every received
 * copy before deduplication, and JS keccak needs ~200 ms for a 4 MiB proposal where native SHA-256 needs ~3 ms.
 */
export function gossipMessageId(msg: Pick<Message, "topic" | "data">): Uint8Array {
  const topic = Buffer.from(msg.topic, "utf8");
  const length = Buffer.alloc(8);
  length.writeBigUInt64BE(BigInt(topic.length));
  return createHash("sha256").update(length).update(topic).update(msg.data).digest();
}

/** One RPC frame may carry several messages (IWANT replies batch them): room for two of the largest. */
const MAX_RPC_BYTES = 2 * MAX_TOPIC_BYTES + 1024 * 1024;

/** `appSpecificScore`: the node's own penalties of a peer, as gossipsub's P5 (scoring.ts). */
export function gossipsubOptions(
  chainId: bigint,
  appSpecificScore?: (peer: string) => number,
): Partial<GossipsubOpts> {
  return {
    // Payloads carry their own signatures; unsigned envelopes also keep message ids content-only (no seqno).
    globalSignaturePolicy: "StrictNoSign",
    msgIdFn: gossipMessageId,
    // The node validates asynchronously and reports each verdict; nothing is forwarded before it does.
    asyncValidation: true,
    // The node feeds its own messages to itself.
    emitSelf: false,
    // Throwing (then caught by Gossip.publish) keeps an undelivered message out of the seen-cache, so a retry
    // once peers subscribe is not swallowed as a duplicate.
    allowPublishToZeroTopicPeers: false,
    ignoreDuplicatePublishError: false,
    fallbackToFloodsub: false,
    doPX: false,
    allowedTopics: TOPIC_NAMES.map((name) => topicString(chainId, name)),
    maxInboundDataLength: MAX_RPC_BYTES,
    maxOutboundBufferSize: 4 * MAX_RPC_BYTES,
    decodeRpcLimits: {
      maxSubscriptions: 128,
      maxMessages: 4096,
      maxIhaveMessageIDs: 5000,
      maxIwantMessageIDs: 5000,
      maxIdontwantMessageIDs: 5000,
      maxControlMessages: 256,
      maxPeerInfos: 16,
    },
    scoreParams: gossipScoreParams(chainId, appSpecificScore),
    scoreThresholds: GOSSIP_SCORE_THRESHOLDS,
  };
}
