import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkpointSignatureSource, decodeCheckpointSignature } from "../../node/checkpoint/index.ts";
import { ClaimPool, decodeClaimGossip, depositClaimSource } from "../../node/deposits/index.ts";
import { HeldGossip, type HeldGossipOptions, type HeldSource } from "../../node/p2p/heldGossip.ts";
import type { TopicName } from "../../node/p2p/topics.ts";
import { checkpointNodes } from "../helpers/checkpointNodes.ts";
import { testClaim } from "../helpers/deposits.ts";

const OPTS: HeldGossipOptions = {
  roundMs: 1_000,
  jitter: 0.25,
  regossipAfterMs: 1_000,
  maxIntervalMs: 4_000,
  maxPerRound: 3,
  maxBytesPerRound: 1_000,
};

/** A source whose items the test sets: payload = [key byte, gossip id byte, filler to `size`]. */
function fakeSource(topic: TopicName, keys: { value: string[] }, size = 10): HeldSource {
  return {
    topic,
    held: () =>
      keys.value.map((key) => ({
        key,
        payload: (gossipId: bigint) => {
          const out = new Uint8Array(size);
          out[0] = key.charCodeAt(0);
          out[1] = Number(gossipId % 256n);
          return out;
        },
      })),
  };
}

function setup(sources: HeldSource[], opts: HeldGossipOptions = OPTS) {
  const clock = { now: 0 };
  const sent: { topic: TopicName; data: Uint8Array }[] = [];
  const counted: number[] = [];
  const gossip = new HeldGossip(opts, {
    sources,
    publish: (topic, data) => sent.push({ topic, data }),
    now: () => clock.now,
    onSent: (_topic, bytes) => counted.push(bytes),
  });
  return { clock, sent, counted, gossip };
}

const keysOf = (sent: { data: Uint8Array }[]) => sent.map((s) => String.fromCharCode(s.data[0] ?? 0));

describe("HeldGossip", () => {
  it("sends an item again once held a while, then with a growing interval, each time as a new payload", () => {
    const keys = { value: ["a"] };
    const { clock, sent, counted, gossip } = setup([fakeSource("checkpoint-sig", keys)]);
    assert.equal(gossip.round(), 0, "first seen: this node has just sent or received it");
    clock.now = 999;
    assert.equal(gossip.round(), 0);
    const sendTimes: number[] = [];
    for (clock.now = 1_000; clock.now <= 20_000; clock.now += 500)
      if (gossip.round() > 0) sendTimes.push(clock.now);
    assert.deepEqual(
      sendTimes,
      [1_000, 3_000, 7_000, 11_000, 15_000, 19_000],
      "1 s, then 2 s, then 4 s at most",
    );
    const ids = sent.map((s) => s.data[1]);
    assert.equal(new Set(ids).size, ids.length, "every send carries another gossip id");
    assert.deepEqual(
      counted,
      sent.map((s) => s.data.length),
      "each send is counted with its bytes",
    );
  });

  it("stops once the source no longer lists an item (certified and included, or minted)", () => {
    const keys = { value: ["a", "b"] };
    const { clock, sent, gossip } = setup([fakeSource("deposit-claim", keys)]);
    gossip.round();
    clock.now = 1_000;
    assert.equal(gossip.round(), 2);
    keys.value = ["b"];
    clock.now = 10_000;
    sent.length = 0;
    assert.equal(gossip.round(), 1);
    assert.deepEqual(keysOf(sent), ["b"]);
    keys.value = [];
    for (clock.now = 10_000; clock.now < 60_000; clock.now += 1_000) assert.equal(gossip.round(), 0);
    keys.value = ["a"];
    clock.now = 60_000;
    assert.equal(gossip.round(), 0, "an item listed again is new: it waits its first interval again");
  });

  it("bounds each source's round by count and bytes, leaving the rest for later rounds", () => {
    const many = { value: ["a", "b", "c", "d", "e"] };
    const big = { value: ["x", "y", "z"] };
    const { clock, sent, gossip } = setup([
      fakeSource("checkpoint-sig", many),
      fakeSource("deposit-claim", big, 400),
    ]);
    gossip.round();
    clock.now = 1_000;
    assert.equal(gossip.round(), 3 + 2, "3 of 5 small items, 2 of 3 large ones (800 of 1,000 bytes)");
    assert.deepEqual(keysOf(sent), ["a", "b", "c", "x", "y"]);
    sent.length = 0;
    clock.now = 1_500;
    assert.equal(gossip.round(), 3, "the ones left over go in the next round");
    assert.deepEqual(keysOf(sent), ["d", "e", "z"]);
  });

  it("rounds run on a timer with jitter and stop with stop()", async (t) => {
    t.mock.timers.enable({ apis: ["setTimeout"] });
    const keys = { value: ["a"] };
    const clock = { now: 0 };
    let rounds = 0;
    const gossip = new HeldGossip(
      { ...OPTS, regossipAfterMs: 0 },
      {
        sources: [
          {
            topic: "checkpoint-sig",
            held: () => {
              rounds++;
              return fakeSource("checkpoint-sig", keys).held();
            },
          },
        ],
        publish: () => {},
        now: () => clock.now,
        random: () => 0,
      },
    );
    gossip.start();
    t.mock.timers.tick(749);
    assert.equal(rounds, 0, "random 0: the round comes at roundMs less a quarter");
    t.mock.timers.tick(1);
    assert.equal(rounds, 1);
    t.mock.timers.tick(750);
    assert.equal(rounds, 2);
    gossip.stop();
    t.mock.timers.tick(10_000);
    assert.equal(rounds, 2);
  });

  it("re-gossips a validator's checkpoint signatures until a block carries the checkpoint", async () => {
    const [node, other] = checkpointNodes(4);
    assert.ok(node && other);
    await node.coordinator.onEpochEnd(1, true);
    await other.coordinator.onEpochEnd(1, true);
    const theirs = other.published[0] as Uint8Array;
    assert.equal(await node.coordinator.validate(theirs), "accept");
    node.coordinator.onMessage(theirs);
    const { clock, sent, gossip } = setup([checkpointSignatureSource(node.coordinator)]);
    gossip.round();
    clock.now = 1_000;
    assert.equal(gossip.round(), 2, "its own signature and the one it received");
    const messages = sent.map((s) => decodeCheckpointSignature(s.data));
    assert.deepEqual(
      messages.map((m) => m.signer).sort(),
      [node.validator.address, other.validator.address].sort(),
    );
    assert.ok(messages.every((m) => m.number === 1 && m.gossipId !== undefined));
    assert.equal(
      await other.coordinator.validate(
        sent.find((s) => decodeCheckpointSignature(s.data).signer === other.validator.address)
          ?.data as Uint8Array,
      ),
      "ignore",
      "a peer that holds the signature does not forward the re-gossip",
    );
    const fresh = checkpointNodes(4)[2];
    assert.ok(fresh);
    await fresh.coordinator.onEpochEnd(1, false);
    assert.equal(
      await fresh.coordinator.validate(sent[0]?.data as Uint8Array),
      "accept",
      "one that missed it takes it",
    );
    node.coordinator.included(1);
    clock.now = 100_000;
    assert.equal(gossip.round(), 0, "included: nothing more to send");
  });

  it("re-gossips held deposit claims, lowest nonce first, until they are minted", () => {
    const state = { next: 3n };
    const pool = new ClaimPool(() => state.next);
    for (const n of [5n, 3n, 4n]) pool.add(testClaim(n));
    const { clock, sent, gossip } = setup([depositClaimSource(pool)]);
    gossip.round();
    clock.now = 1_000;
    assert.equal(gossip.round(), 3);
    const decoded = sent.map((s) => decodeClaimGossip(s.data));
    assert.deepEqual(
      decoded.map((d) => d.claim.nonce),
      [3n, 4n, 5n],
    );
    assert.deepEqual(decoded[0]?.claim, testClaim(3n));
    assert.ok(decoded.every((d) => d.gossipId !== undefined));
    state.next = 5n;
    pool.prune();
    sent.length = 0;
    clock.now = 100_000;
    assert.equal(gossip.round(), 1);
    assert.equal(
      decodeClaimGossip(sent[0]?.data as Uint8Array).claim.nonce,
      5n,
      "minted ones are no longer sent",
    );
    state.next = 6n;
    clock.now = 200_000;
    assert.equal(gossip.round(), 0, "all minted (even before the pool is pruned)");
  });
});
