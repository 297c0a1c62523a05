import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { secp256k1Verifier } from "../../node/consensus/verifier.ts";
import { type Hex, VoteType } from "../../node/crypto/index.ts";
import type { GossipHandler, GossipValidator, ValidationResult } from "../../node/p2p/gossip.ts";
import { createPublisher, TopicHandlers, type TopicHandlersModules } from "../../node/p2p/topicHandlers.ts";
import type { TopicName } from "../../node/p2p/topics.ts";
import { encodeVote, type Proposal, type Vote } from "../../node/types/index.ts";
import { encodeProposalMessage } from "../../node/types/wireMessages.ts";
import { addr, CHAIN_ID, val1, val2 } from "../helpers/appFixture.ts";
import { openTestChain } from "../helpers/chainFixture.ts";
import { signProposal, signVote } from "../helpers/validators.ts";

const KEY1 = val1.privateKey as Hex;
const KEY2 = val2.privateKey as Hex;
const HASH = `0x${"cd".repeat(32)}` as Hex;
const PEER = {} as Parameters<GossipValidator>[1];

/** Gossip that keeps what was registered, so a test can play a peer's message through it. */
class FakeGossip {
  readonly validators = new Map<TopicName, GossipValidator>();
  readonly handlers = new Map<TopicName, Set<GossipHandler>>();
  setValidator(name: TopicName, validator: GossipValidator): void {
    this.validators.set(name, validator);
  }
  onMessage(name: TopicName, handler: GossipHandler): () => void {
    const set = this.handlers.get(name) ?? new Set();
    this.handlers.set(name, set);
    set.add(handler);
    return () => set.delete(handler);
  }
  validate(name: TopicName, data: Uint8Array): Promise<ValidationResult> {
    const validator = this.validators.get(name);
    if (!validator) throw new Error(`no validator for ${name}`);
    return validator(data, PEER);
  }
  deliver(name: TopicName, data: Uint8Array): void {
    for (const handler of this.handlers.get(name) ?? []) handler(data, PEER);
  }
}

function setup(overrides: Partial<TopicHandlersModules> = {}) {
  const gossip = new FakeGossip();
  const seen = {
    votes: [] as Vote[],
    proposals: [] as Proposal[],
    published: [] as [TopicName, Uint8Array][],
  };
  const handlers = new TopicHandlers(
    { chainId: CHAIN_ID },
    {
      gossip,
      verifier: secp256k1Verifier,
      consensus: {
        relevant: (height) => height === 1,
        submitVote: (vote) => void seen.votes.push(vote),
        submitProposal: ({ proposal }) => void seen.proposals.push(proposal),
      },
      mempool: { onAdded: () => () => {}, inNonceOrder: () => [] },
      admission: { admitBatch: (raws) => Promise.allSettled(raws.map(async () => undefined)) },
      publish: (topic, data) => seen.published.push([topic, data]),
      depositClaims: { validate: async () => "ignore" },
      evidence: { validate: async () => "ignore" },
      checkpointSignatures: null,
      ...overrides,
    },
  );
  handlers.start();
  return { gossip, handlers, seen };
}

function vote(height: number, key: Hex, validator: Hex): Vote {
  return signVote(CHAIN_ID, key, { type: VoteType.Prevote, height, round: 0, blockHash: HASH, validator });
}

describe("gossip topic handlers", () => {
  it("accepts a relevant vote signed by its validator, ignores an irrelevant one, rejects forgeries and garbage", async () => {
    const { gossip, seen } = setup();
    assert.equal(await gossip.validate("vote", encodeVote(vote(1, KEY1, addr(val1)))), "accept");
    assert.equal(await gossip.validate("vote", encodeVote(vote(5, KEY1, addr(val1)))), "ignore");
    assert.equal(await gossip.validate("vote", encodeVote(vote(1, KEY2, addr(val1)))), "reject");
    assert.equal(await gossip.validate("vote", new Uint8Array([0xc0])), "reject");
    const accepted = vote(1, KEY1, addr(val1));
    gossip.deliver("vote", encodeVote(accepted));
    assert.deepEqual(seen.votes, [accepted]);
  });

  it("checks a proposal's signer the same way and hands on the proposal with its block", async (t) => {
    const fx = await openTestChain(t);
    const { block, blockHash } = await fx.chain.buildBlock(1, addr(val1));
    const unsigned = { height: 1, round: 0, blockHash, polRound: -1, proposer: addr(val1) };
    const good = signProposal(CHAIN_ID, KEY1, unsigned);
    const forged = signProposal(CHAIN_ID, KEY2, unsigned);
    const { gossip, seen } = setup();
    assert.equal(await gossip.validate("proposal", encodeProposalMessage(good, block)), "accept");
    assert.equal(await gossip.validate("proposal", encodeProposalMessage(forged, block)), "reject");
    const later = signProposal(CHAIN_ID, KEY1, { ...unsigned, height: 7 });
    assert.equal(await gossip.validate("proposal", encodeProposalMessage(later, block)), "ignore");
    assert.equal(await gossip.validate("proposal", new Uint8Array([1])), "reject");
    gossip.deliver("proposal", encodeProposalMessage(good, block));
    assert.deepEqual(seen.proposals, [good]);
  });

  it("rejects transactions no node should relay, ignores others the mempool refuses, relays what it adds", async () => {
    const codes: (string | null)[] = [null, "invalid", "too-large", "nonce-too-low"];
    let next = 0;
    let listener: ((tx: { raw: Uint8Array }) => void) | null = null;
    const { gossip, seen, handlers } = setup({
      admission: {
        admitBatch: (raws) =>
          Promise.allSettled(
            raws.map(async () => {
              const code = codes[next++];
              if (code) throw Object.assign(new Error(code), { code });
            }),
          ),
      },
      mempool: {
        onAdded: (l) => {
          listener = l;
          return () => {
            listener = null;
          };
        },
        inNonceOrder: () => [],
      },
    });
    const results = [];
    for (let i = 0; i < codes.length; i++) results.push(await gossip.validate("tx", new Uint8Array([i])));
    assert.deepEqual(results, ["accept", "reject", "reject", "ignore"]);
    (listener as ((tx: { raw: Uint8Array }) => void) | null)?.({ raw: new Uint8Array([9]) });
    assert.deepEqual(seen.published, [["tx", new Uint8Array([9])]]);
    handlers.stop();
    assert.equal(listener, null, "stop unsubscribes from the mempool");
  });

  it("hands deposit claims, evidence and checkpoint signatures to their parts, and stop removes the handlers", async () => {
    const delivered: Uint8Array[] = [];
    const { gossip, handlers } = setup({
      depositClaims: { validate: async (data) => (data[0] === 1 ? "accept" : "reject") },
      evidence: { validate: async (data) => (data[0] === 7 ? "accept" : "reject") },
      checkpointSignatures: { validate: async () => "ignore", onMessage: (data) => delivered.push(data) },
    });
    assert.equal(await gossip.validate("deposit-claim", new Uint8Array([1])), "accept");
    assert.equal(await gossip.validate("deposit-claim", new Uint8Array([2])), "reject");
    assert.equal(await gossip.validate("evidence", new Uint8Array([7])), "accept");
    assert.equal(await gossip.validate("evidence", new Uint8Array([8])), "reject");
    assert.equal(await gossip.validate("checkpoint-sig", new Uint8Array([3])), "ignore");
    gossip.deliver("checkpoint-sig", new Uint8Array([4]));
    assert.deepEqual(delivered, [new Uint8Array([4])]);
    handlers.stop();
    gossip.deliver("checkpoint-sig", new Uint8Array([5]));
    assert.equal(delivered.length, 1);
  });

  it("a chain without L1 registers no checkpoint topic", () => {
    const { gossip } = setup();
    assert.equal(gossip.validators.has("checkpoint-sig"), false);
  });

  it("logs a failed publish instead of throwing", async () => {
    const warnings: string[] = [];
    const publish = createPublisher(
      { publish: async () => Promise.reject(new Error("too large")) },
      { debug() {}, info() {}, error() {}, warn: (_o, msg) => void warnings.push(msg ?? "") },
    );
    publish("vote", new Uint8Array([1]));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(warnings, ["gossip publish failed"]);
  });
});
