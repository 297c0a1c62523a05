import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RlpError } from "../../node/crypto/index.ts";
import { MempoolError, TxAdmission } from "../../node/mempool/index.ts";
import type { GossipValidator, ValidationResult } from "../../node/p2p/gossip.ts";
import { TopicHandlers } from "../../node/p2p/topicHandlers.ts";
import type { TopicName } from "../../node/p2p/topics.ts";
import { DEFAULT_TX_GOSSIP, type GossipedTx, TxGossip } from "../../node/p2p/txGossip.ts";
import { MAX_TX_BYTES } from "../../node/types/index.ts";
import {
  decodeTxBatch,
  encodeTxBatch,
  MAX_TX_BATCH_BYTES,
  MAX_TX_BATCH_TXS,
  packTxBatches,
} from "../../node/types/wireMessages.ts";

const tx = (n: number, size = 100) => new Uint8Array(size).fill(n % 256);

describe("transaction batches on the wire", () => {
  it("round-trips a batch and refuses malformed or oversized ones", () => {
    const raws = [tx(1), tx(2, 3), tx(3, 1000)];
    assert.deepEqual(decodeTxBatch(encodeTxBatch({ id: 7n, raws })), { id: 7n, raws });
    assert.throws(() => encodeTxBatch({ id: 1n, raws: [] }), RlpError);
    assert.throws(
      () => encodeTxBatch({ id: 1n, raws: Array.from({ length: MAX_TX_BATCH_TXS + 1 }, (_, i) => tx(i, 1)) }),
      RlpError,
    );
    assert.throws(
      () =>
        encodeTxBatch({
          id: 1n,
          raws: [tx(1, MAX_TX_BYTES), tx(2, MAX_TX_BYTES), tx(3, MAX_TX_BYTES), tx(4, MAX_TX_BYTES)],
        }),
      RlpError,
    );
    // Not a list, a list of the wrong shape, an empty transaction, too many transactions, too many bytes.
    assert.throws(() => decodeTxBatch(new Uint8Array([0x80])), RlpError);
    assert.throws(() => decodeTxBatch(new Uint8Array([0xc1, 0x01])), RlpError);
    assert.throws(() => decodeTxBatch(new Uint8Array([0xc3, 0x01, 0xc1, 0x80])), RlpError);
    const many = encodeTxBatch({
      id: 1n,
      raws: Array.from({ length: MAX_TX_BATCH_TXS }, (_, i) => tx(i, 1)),
    });
    assert.equal(decodeTxBatch(many).raws.length, MAX_TX_BATCH_TXS);
    assert.throws(() => decodeTxBatch(new Uint8Array(MAX_TX_BATCH_BYTES + 1)), RlpError);
  });

  it("packs transactions in order into batches within the count and byte bounds", () => {
    const small = Array.from({ length: MAX_TX_BATCH_TXS + 10 }, (_, i) => tx(i, 50));
    const byCount = packTxBatches(small);
    assert.deepEqual(
      byCount.map((b) => b.length),
      [MAX_TX_BATCH_TXS, 10],
    );
    assert.deepEqual(byCount.flat(), small);
    const large = Array.from({ length: 9 }, (_, i) => tx(i, 100_000));
    const byBytes = packTxBatches(large);
    assert.ok(byBytes.length >= 2);
    for (const batch of byBytes) encodeTxBatch({ id: 2n ** 64n - 1n, raws: batch }); // every batch encodes
    assert.deepEqual(byBytes.flat(), large);
  });
});

class FakeGossip {
  readonly validators = new Map<TopicName, GossipValidator>();
  setValidator(name: TopicName, validator: GossipValidator): void {
    this.validators.set(name, validator);
  }
  onMessage(): () => void {
    return () => {};
  }
  validate(name: TopicName, data: Uint8Array): Promise<ValidationResult> {
    const validator = this.validators.get(name);
    if (!validator) throw new Error(`no validator for ${name}`);
    return validator(data, {} as Parameters<GossipValidator>[1]);
  }
}

/** A pool that accepts raw bytes starting with 1, knows those starting with 2, and finds those with 9 invalid. */
function handlersWith(added: Uint8Array[]) {
  const gossip = new FakeGossip();
  const handlers = new TopicHandlers(
    { chainId: 1n },
    {
      gossip,
      verifier: { voteSigner: () => null, proposalSigner: () => null },
      consensus: { relevant: () => false, submitVote() {}, submitProposal() {} },
      mempool: { onAdded: () => () => {}, inNonceOrder: () => [] },
      admission: new TxAdmission(
        { maxQueued: 16, maxWaitMs: 1_000, sliceMs: 5 },
        {
          mempool: {
            add(raw, origin) {
              assert.equal(origin, "peer");
              if (raw[0] === 9) throw new MempoolError("invalid", "bad");
              if (raw[0] === 2) throw new MempoolError("already-known", "known");
              added.push(raw);
              return { hash: "0x00", replaced: null, evicted: null };
            },
          },
        },
      ),
      publish() {},
      depositClaims: { validate: async () => "ignore" },
      evidence: { validate: async () => "ignore" },
      checkpointSignatures: null,
    },
  );
  handlers.start();
  return { gossip, handlers };
}

describe("transaction batches from peers", () => {
  it("checks each transaction: forwards a batch with news, ignores one of known ones, rejects invalid ones", async (t) => {
    const added: Uint8Array[] = [];
    const { gossip, handlers } = handlersWith(added);
    t.after(() => handlers.stop());
    const batch = (...raws: Uint8Array[]) => encodeTxBatch({ id: 1n, raws });
    assert.equal(await gossip.validate("txs", batch(tx(1), tx(2))), "accept");
    assert.deepEqual(added, [tx(1)]);
    assert.equal(await gossip.validate("txs", batch(tx(2), tx(2, 5))), "ignore");
    // The valid one is still admitted; the batch as a whole penalises the peer that sent the invalid one.
    assert.equal(await gossip.validate("txs", batch(new Uint8Array([1, 7]), tx(9))), "reject");
    assert.equal(added.length, 2);
    assert.equal(await gossip.validate("txs", new Uint8Array([0xc0])), "reject");
  });
});

describe("sending transactions", () => {
  function gossiper(held: GossipedTx[] = []) {
    const sent: [TopicName, Uint8Array][] = [];
    let now = 1_000;
    const g = new TxGossip(
      { ...DEFAULT_TX_GOSSIP, batchDelayMs: 50, regossipAfterMs: 1_000, maxRegossipIntervalMs: 4_000 },
      { held: () => held, publish: (topic, data) => sent.push([topic, data]), now: () => now },
    );
    const advance = (ms: number) => {
      now += ms;
    };
    return { g, sent, advance };
  }

  it("sends a lone local transaction at once and batches those that follow it closely", (t) => {
    const { g, sent } = gossiper();
    t.after(() => g.stop());
    g.local({ raw: tx(1) });
    assert.deepEqual(sent, [["tx", tx(1)]]);
    g.local({ raw: tx(2) });
    g.local({ raw: tx(3) });
    assert.equal(sent.length, 1, "the next ones wait for the batch");
    g.flush();
    assert.equal(sent.length, 2);
    const [topic, data] = sent[1] ?? [];
    assert.equal(topic, "txs");
    assert.deepEqual(decodeTxBatch(data as Uint8Array).raws, [tx(2), tx(3)]);
  });

  it("does not send a peer's transactions back out, but gossips every held one again with a growing interval", () => {
    const fromPeer = { raw: tx(5) };
    const local = { raw: tx(6) };
    const { g, sent, advance } = gossiper([fromPeer, local]);
    g.fromPeer(fromPeer);
    g.local(local);
    assert.deepEqual(
      sent.map(([topic]) => topic),
      ["tx"],
      "only the local one went out",
    );
    assert.equal(g.regossip(), 0, "nothing is due yet");
    advance(1_000);
    assert.equal(g.regossip(), 2);
    const again = sent.at(-1)?.[1] as Uint8Array;
    assert.deepEqual(decodeTxBatch(again).raws, [tx(5), tx(6)]);
    advance(1_000);
    assert.equal(g.regossip(), 0, "the interval doubled");
    advance(1_000);
    assert.equal(g.regossip(), 2);
    // Each round's batch is a new message (a new id), so gossipsub does not drop it as a duplicate.
    assert.notDeepEqual(sent.at(-1)?.[1], again);
    advance(10_000);
    assert.equal(g.regossip(), 2);
    advance(4_000);
    assert.equal(g.regossip(), 2, "the interval stops growing at its cap");
  });
});
