import "../../node/util/polyfill.ts";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { P2pError } from "../../node/p2p/errors.ts";
import type { Network } from "../../node/p2p/network.ts";
import { GOSSIP_SCORE_THRESHOLDS } from "../../node/p2p/scoring.ts";
import { TOPIC_MAX_BYTES, topicString } from "../../node/p2p/topics.ts";
import {
  CHAIN_ID,
  connected,
  Inbox,
  payload,
  sleep,
  startNetwork,
  waitFor,
  waitForMesh,
  waitForTopicPeers,
} from "../helpers/p2p.ts";

/** gossipsub's ACCEPT_FROM_WHITELIST_DURATION_MS (1 s), with a margin. */
const GOSSIPSUB_ACCEPT_GRACE_MS = 1_200;

/** A settling pause before asserting that something did NOT happen, after a positive control did. */
const SETTLE_MS = 300;

describe("p2p gossip", () => {
  it("4 hosts form a mesh from bootstrap config and a message reaches every peer once", async (t) => {
    const nets: Network[] = [];
    t.after(() => Promise.all(nets.map((n) => n.stop())));
    for (let i = 0; i < 4; i++) {
      nets.push(await startNetwork({ bootstrap: nets.flatMap((n) => n.host.multiaddrs()) }));
    }
    await waitFor(() => nets.every((n) => n.host.peerCount() === 3), "a full mesh of connections");
    const inboxes = nets.map((n) => new Inbox(n, "vote"));
    for (const n of nets)
      await waitForTopicPeers(
        n,
        "vote",
        nets.filter((m) => m !== n),
      );

    const first = payload("from-0");
    const outcome = await nets[0]?.gossip.publish("vote", first);
    assert.deepEqual(outcome, { status: "sent", recipients: 3 });
    await waitFor(() => inboxes.slice(1).every((b) => b.deliveries(first) === 1), "delivery to 3 peers");

    const last = payload("from-3");
    await nets[3]?.gossip.publish("vote", last);
    await waitFor(
      () => inboxes.slice(0, 3).every((b) => b.deliveries(last) === 1),
      "delivery from the last host",
    );

    await sleep(SETTLE_MS);
    // The publisher never gets its own message back (the node feeds itself), and nobody gets one twice.
    assert.equal(inboxes[0]?.deliveries(first), 0);
    assert.equal(inboxes[3]?.deliveries(last), 0);
    for (const box of inboxes.slice(1)) assert.equal(box.deliveries(first), 1);
  });

  it("a rejected message is not forwarded, and its sender's score drops", async (t) => {
    // Line topology a - b - c: c can only hear a through b.
    const b = await startNetwork();
    t.after(() => b.stop());
    const a = await startNetwork({ bootstrap: b.host.multiaddrs() });
    t.after(() => a.stop());
    const c = await startNetwork({ bootstrap: b.host.multiaddrs() });
    t.after(() => c.stop());
    const bad = payload("bad");
    const good = payload("good");
    const inboxB = new Inbox(b, "vote", (data) => (Buffer.from(data).includes("bad") ? "reject" : "accept"));
    const inboxC = new Inbox(c, "vote");
    // a subscribes too, so b has a reason to keep it around; a's own validator is irrelevant here.
    new Inbox(a, "vote");
    await waitForTopicPeers(a, "vote", [b]);
    await waitForMesh(b, "vote", [c]);
    assert.equal(connected(a, c), false);
    assert.equal(b.gossip.peerScore(a.host.peerId) >= 0, true);

    await a.gossip.publish("vote", bad);
    await a.gossip.publish("vote", good);
    await waitFor(() => inboxC.deliveries(good) === 1, "the valid message to cross b");
    await sleep(SETTLE_MS);

    assert.equal(inboxB.validations(bad), 1);
    assert.equal(inboxB.deliveries(bad), 0, "b's handlers see accepted messages only");
    assert.equal(inboxC.validations(bad), 0, "c never received the rejected message");
    assert.equal(b.gossip.stats().vote.rejected, 1);
    await waitFor(() => b.gossip.peerScore(a.host.peerId) < 0, "a's score at b to go negative");
  });

  it("repeated invalid messages graylist the sender: its messages are dropped unvalidated", async (t) => {
    const b = await startNetwork();
    t.after(() => b.stop());
    const a = await startNetwork({ bootstrap: b.host.multiaddrs() });
    t.after(() => a.stop());
    const d = await startNetwork({ bootstrap: b.host.multiaddrs() });
    t.after(() => d.stop());
    const aId = a.peerId;
    const inboxB = new Inbox(b, "tx", (data) => (Buffer.from(data).includes("junk") ? "reject" : "accept"));
    await waitForTopicPeers(b, "tx", []);
    await waitFor(() => connected(a, b) && connected(d, b), "a and d to connect to b");
    // a and d publish without subscribing, via fanout: wait until they see b's subscription.
    await waitForTopicPeers(a, "tx", [b]);
    await waitForTopicPeers(d, "tx", [b]);

    for (let i = 0; i < 20; i++) await a.gossip.publish("tx", payload(`junk-${i}`));
    await waitFor(
      () => b.gossip.peerScore(aId) < GOSSIP_SCORE_THRESHOLDS.graylistThreshold,
      "a to fall below the graylist threshold at b",
    );
    // gossipsub lets a peer whose score was >= 0 send for up to 1 s (ACCEPT_FROM_WHITELIST_DURATION_MS, not
    // exported) before it looks at the score again; a's grace began with its first junk message. Past it, the
    // graylist is all that decides.
    await sleep(GOSSIPSUB_ACCEPT_GRACE_MS);

    const fromA = payload("valid-from-a");
    const fromD = payload("valid-from-d");
    await a.gossip.publish("tx", fromA);
    await d.gossip.publish("tx", fromD);
    await waitFor(() => inboxB.deliveries(fromD) === 1, "d's message to reach b");
    await sleep(SETTLE_MS);
    assert.equal(
      inboxB.validations(fromA),
      0,
      "b dropped the graylisted peer's message before validating it",
    );
    assert.equal(inboxB.from.includes(aId), false);
  });

  it("an oversize payload is rejected without calling the validator, and publishing one locally throws", async (t) => {
    const b = await startNetwork();
    t.after(() => b.stop());
    const a = await startNetwork({ bootstrap: b.host.multiaddrs() });
    t.after(() => a.stop());
    const inboxB = new Inbox(b, "vote");
    await waitForTopicPeers(a, "vote", [b]);

    const oversize = new Uint8Array(TOPIC_MAX_BYTES.vote + 1).fill(0x42);
    await assert.rejects(a.gossip.publish("vote", oversize), (err: unknown) => {
      return err instanceof P2pError && err.code === "too-large";
    });
    // A hostile peer uses gossipsub directly, bypassing our publish check.
    await a.host.libp2p.services.pubsub.publish(topicString(CHAIN_ID, "vote"), oversize);
    const control = payload("control");
    await a.gossip.publish("vote", control);
    await waitFor(() => inboxB.deliveries(control) === 1, "the control message");
    await waitFor(() => b.gossip.stats().vote.oversize === 1, "the oversize rejection");
    assert.equal(inboxB.validated.length, 1, "only the control message reached the validator");
    await waitFor(() => b.gossip.peerScore(a.host.peerId) < 0, "the sender to be penalised");
  });

  it("the same payload from two peers is delivered once", async (t) => {
    // a and b both connect to c only, and do not subscribe, so c does not forward the payload between them.
    const c = await startNetwork();
    t.after(() => c.stop());
    const a = await startNetwork({ bootstrap: c.host.multiaddrs() });
    t.after(() => a.stop());
    const b = await startNetwork({ bootstrap: c.host.multiaddrs() });
    t.after(() => b.stop());
    const inboxC = new Inbox(c, "evidence");
    await waitForTopicPeers(a, "evidence", [c]);
    await waitForTopicPeers(b, "evidence", [c]);
    assert.equal(connected(a, b), false);

    const same = payload("same-evidence");
    assert.deepEqual(await a.gossip.publish("evidence", same), { status: "sent", recipients: 1 });
    await waitFor(() => inboxC.deliveries(same) === 1, "the first copy");
    assert.deepEqual(await b.gossip.publish("evidence", same), { status: "sent", recipients: 1 });
    // b's stream to c is ordered: once b's next message arrives, the duplicate has been processed.
    const after = payload("after");
    await b.gossip.publish("evidence", after);
    await waitFor(() => inboxC.deliveries(after) === 1, "b's next message");
    await sleep(SETTLE_MS);
    assert.equal(inboxC.deliveries(same), 1);
    assert.equal(inboxC.validations(same), 1, "the duplicate is dropped before validation");
    // Publishing again from a is a local duplicate, reported, not thrown.
    assert.deepEqual(await a.gossip.publish("evidence", same), { status: "duplicate" });
  });

  it("publishing with no subscribed peers is counted and does not throw", async (t) => {
    const lonely = await startNetwork();
    t.after(() => lonely.stop());
    const outcome = await lonely.gossip.publish("proposal", payload("nobody"));
    assert.deepEqual(outcome, { status: "no-peers" });
    assert.equal(lonely.gossip.stats().proposal.publishNoPeers, 1);

    // The payload stays publishable once a peer subscribes: no-peers did not poison the seen-cache.
    const peer = await startNetwork({ bootstrap: lonely.host.multiaddrs() });
    t.after(() => peer.stop());
    const inbox = new Inbox(peer, "proposal");
    await waitForTopicPeers(lonely, "proposal", [peer]);
    assert.deepEqual(await lonely.gossip.publish("proposal", payload("nobody")), {
      status: "sent",
      recipients: 1,
    });
    await waitFor(() => inbox.deliveries(payload("nobody")) === 1, "the retried message");
  });
});
