import "../../node/util/polyfill.ts";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  createPeerScoreParams,
  validatePeerScoreParams,
  validatePeerScoreThresholds,
} from "@chainsafe/libp2p-gossipsub/score";
import fc from "fast-check";
import { encodeRlpItem, RlpError, type RlpItem } from "../../node/crypto/index.ts";
import { gossipMessageId } from "../../node/p2p/gossipConfig.ts";
import {
  decodeBlocksRequest,
  decodeCatchUpRequest,
  encodeBlocksRequest,
  encodeCatchUpRequest,
  errorFrame,
  errorFromFrame,
  isSingleRlpItem,
  protocolId,
  RESPONSE_LIMITS,
  Status,
} from "../../node/p2p/reqrespWire.ts";
import {
  GOSSIP_SCORE_THRESHOLDS,
  gossipScoreParams,
  INVALID_MESSAGE_PENALTY,
} from "../../node/p2p/scoring.ts";
import { TOPIC_MAX_BYTES, TOPIC_NAMES, topicString } from "../../node/p2p/topics.ts";
import {
  CHECKPOINT_LIMITS,
  COMMIT_LIMITS,
  COMMIT_SIG_LIMITS,
  DEPOSIT_CLAIM_LIMITS,
  EVIDENCE_LIMITS,
  MAX_BLOCK_BYTES,
  MAX_TX_BYTES,
  PROPOSAL_LIMITS,
  VOTE_LIMITS,
} from "../../node/types/index.ts";
import { KeyedTokenBuckets } from "../../node/util/tokenBuckets.ts";

describe("p2p topics and limits", () => {
  it("names the seven topics of DESIGN §3 per chain", () => {
    assert.deepEqual(
      TOPIC_NAMES.map((n) => topicString(7447n, n)),
      [
        "/outrigger/7447/proposal/rlp",
        "/outrigger/7447/vote/rlp",
        "/outrigger/7447/tx/rlp",
        "/outrigger/7447/txs/rlp",
        "/outrigger/7447/deposit-claim/rlp",
        "/outrigger/7447/checkpoint-sig/rlp",
        "/outrigger/7447/evidence/rlp",
      ],
    );
    assert.equal(protocolId(7447n, "blocks"), "/outrigger/7447/sync/blocks/1");
    assert.equal(protocolId(7447n, "catchup"), "/outrigger/7447/catchup/1");
  });

  it("every gossip limit admits what the codecs admit", () => {
    assert.ok(TOPIC_MAX_BYTES.proposal >= MAX_BLOCK_BYTES + PROPOSAL_LIMITS.maxBytes + 5);
    assert.ok(TOPIC_MAX_BYTES.vote >= VOTE_LIMITS.maxBytes);
    assert.equal(TOPIC_MAX_BYTES.tx, MAX_TX_BYTES);
    assert.ok(TOPIC_MAX_BYTES["deposit-claim"] >= DEPOSIT_CLAIM_LIMITS.maxBytes);
    assert.ok(
      TOPIC_MAX_BYTES["checkpoint-sig"] >= CHECKPOINT_LIMITS.maxBytes + COMMIT_SIG_LIMITS.maxBytes + 5,
    );
    assert.ok(TOPIC_MAX_BYTES.evidence >= EVIDENCE_LIMITS.maxBytes);
    // RLP([block bytes, commit bytes]): three headers of at most 5 bytes around the codecs' bounds.
    assert.ok(RESPONSE_LIMITS.blocks.maxItemBytes >= MAX_BLOCK_BYTES + COMMIT_LIMITS.maxBytes + 15);
    // RLP([kind, proposal message bytes]).
    assert.ok(RESPONSE_LIMITS.catchup.maxItemBytes >= TOPIC_MAX_BYTES.proposal + 11);
    // A full 64-block response of maximum-size blocks would not fit: the server's budget must cut it short.
    assert.ok(RESPONSE_LIMITS.blocks.maxResponseBytes >= RESPONSE_LIMITS.blocks.maxItemBytes);
  });

  it("message ids address content within a topic, never across topics", () => {
    const data = Uint8Array.from([1, 2, 3]);
    const vote = topicString(1n, "vote");
    const id = gossipMessageId({ topic: vote, data });
    assert.equal(id.length, 32);
    assert.deepEqual(gossipMessageId({ topic: vote, data: Uint8Array.from([1, 2, 3]) }), id);
    assert.notDeepEqual(gossipMessageId({ topic: topicString(1n, "tx"), data }), id);
    assert.notDeepEqual(gossipMessageId({ topic: topicString(2n, "vote"), data }), id);
    assert.notDeepEqual(gossipMessageId({ topic: vote, data: Uint8Array.from([1, 2, 4]) }), id);
    // The topic is length-prefixed, so moving bytes between topic and data changes the id.
    assert.notDeepEqual(
      gossipMessageId({ topic: "ab", data: Uint8Array.from([0x63]) }),
      gossipMessageId({ topic: "a", data: Buffer.from("bc") }),
    );
  });
});

describe("p2p scoring", () => {
  it("is valid for gossipsub and graylists after 13 invalid messages on one topic", () => {
    const params = createPeerScoreParams(gossipScoreParams(7447n));
    validatePeerScoreParams(params);
    validatePeerScoreThresholds(GOSSIP_SCORE_THRESHOLDS);
    assert.equal(Object.keys(params.topics).length, TOPIC_NAMES.length);
    const penalty = (n: number) => -INVALID_MESSAGE_PENALTY * n * n;
    // Positive score is capped at topicScoreCap (47.5), too little to move these crossings.
    assert.ok(penalty(12) > GOSSIP_SCORE_THRESHOLDS.graylistThreshold);
    assert.ok(penalty(13) + params.topicScoreCap < GOSSIP_SCORE_THRESHOLDS.graylistThreshold);
    assert.ok(penalty(10) + params.topicScoreCap < GOSSIP_SCORE_THRESHOLDS.publishThreshold);
    assert.ok(penalty(9) > GOSSIP_SCORE_THRESHOLDS.publishThreshold);
    assert.ok(penalty(7) + params.topicScoreCap < GOSSIP_SCORE_THRESHOLDS.gossipThreshold);
    assert.ok(penalty(6) > GOSSIP_SCORE_THRESHOLDS.gossipThreshold);
    // Every topic's P4 weight times its topic weight is the same per-message penalty.
    for (const topic of Object.values(params.topics)) {
      assert.ok(
        Math.abs(topic.invalidMessageDeliveriesWeight * topic.topicWeight + INVALID_MESSAGE_PENALTY) < 1e-9,
      );
    }
  });
});

describe("p2p req/resp wire", () => {
  it("request codecs round-trip and reject malformed input", () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 0, max: 1_000_000 }), (from, count) => {
        assert.deepEqual(decodeBlocksRequest(encodeBlocksRequest(from, count)), { fromHeight: from, count });
        assert.deepEqual(decodeCatchUpRequest(encodeCatchUpRequest(from)), { height: from });
      }),
    );
    assert.throws(() => decodeBlocksRequest(encodeCatchUpRequest(1)), RlpError);
    assert.throws(() => decodeBlocksRequest(Uint8Array.of(0xc2, 0x01)), RlpError);
    assert.throws(() => decodeCatchUpRequest(encodeRlpItem([Uint8Array.of(0, 1)])), RlpError);
  });

  it("recognises exactly one RLP item from its header", () => {
    const items = fc.letrec<{ item: RlpItem }>((tie) => ({
      item: fc.oneof(
        { depthSize: "small" },
        fc.uint8Array({ maxLength: 300 }),
        fc.array(tie("item"), { maxLength: 5 }),
      ),
    })).item;
    fc.assert(
      fc.property(items, fc.integer({ min: 1, max: 3 }), (item, cut) => {
        const bytes = encodeRlpItem(item);
        assert.equal(isSingleRlpItem(bytes), true);
        assert.equal(isSingleRlpItem(bytes.subarray(0, bytes.length - cut)), false);
        assert.equal(isSingleRlpItem(Uint8Array.from([...bytes, 0])), false);
      }),
    );
    assert.equal(isSingleRlpItem(new Uint8Array(0)), false);
  });

  it("error frames map to typed errors", () => {
    const cases = [
      [Status.InvalidRequest, "invalid-request"],
      [Status.RateLimited, "rate-limited"],
      [Status.ServerError, "server-error"],
    ] as const;
    for (const [status, code] of cases) {
      const frame = errorFrame(status, "why".repeat(200));
      assert.equal(frame.length, 1 + 256, "reasons are capped");
      const err = errorFromFrame(frame[0] ?? 0, frame.subarray(1), "peer");
      assert.equal(err.code, code);
    }
    assert.equal(errorFromFrame(42, new Uint8Array(0), "peer").code, "bad-frame");
  });

  it("the rate limiter allows a burst, then the refill rate, per peer", () => {
    let now = 0;
    const limiter = new KeyedTokenBuckets({ capacity: 10, refillPerSecond: 2 }, () => now);
    assert.equal(limiter.tryTake("a", 10), true);
    assert.equal(limiter.tryTake("a", 1), false);
    assert.equal(limiter.tryTake("b", 10), true, "buckets are per peer");
    now += 500;
    assert.equal(limiter.tryTake("a", 2), false, "a refused request spends nothing");
    assert.equal(limiter.tryTake("a", 1), true);
    now += 60_000;
    assert.equal(limiter.tryTake("a", 11), false, "refill stops at capacity");
    assert.equal(limiter.tryTake("a", 10), true);
  });
});
