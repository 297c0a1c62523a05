import "../../node/util/polyfill.ts";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PeerId } from "@libp2p/interface";
import { multiaddr } from "@multiformats/multiaddr";
import * as lp from "it-length-prefixed";
import type { Network } from "../../node/p2p/network.ts";
import type { PeerGuardOptions } from "../../node/p2p/peerGuard.ts";
import { BAN_PENALTY, PENALTY_WEIGHTS } from "../../node/p2p/peerPenalties.ts";
import { MAX_REQUEST_BYTES, protocolId, Status } from "../../node/p2p/reqrespWire.ts";
import { GOSSIP_SCORE_THRESHOLDS } from "../../node/p2p/scoring.ts";
import {
  CHAIN_ID,
  connected,
  Inbox,
  payload,
  sleep,
  startNetwork,
  varint,
  waitFor,
  waitForTopicPeers,
} from "../helpers/p2p.ts";

const BLOCKS = protocolId(CHAIN_ID, "blocks");

/** A ban long enough to watch the peer fail to come back, short enough to see it end. */
const BAN_MS = 3_000;

const GUARD: PeerGuardOptions = {
  checkEveryMs: 100,
  banMs: BAN_MS,
  graylistThreshold: GOSSIP_SCORE_THRESHOLDS.graylistThreshold,
  banPenalty: BAN_PENALTY,
};

type After = { after: (fn: () => Promise<unknown>) => void };

async function started(t: After, opts: Parameters<typeof startNetwork>[0] = {}): Promise<Network> {
  const net = await startNetwork(opts);
  t.after(() => net.stop());
  return net;
}

/** The times at which `peer` connected to `net`, from now on. */
function connects(net: Network, peer: Network): number[] {
  const times: number[] = [];
  net.host.libp2p.addEventListener("peer:connect", (evt: CustomEvent<PeerId>) => {
    if (evt.detail.equals(peer.host.peerId)) times.push(Date.now());
  });
  return times;
}

/** Equal but for the decay of the few milliseconds the test took. */
function assertAbout(actual: number, expected: number, message?: string): void {
  assert.ok(Math.abs(actual - expected) < expected * 0.001, message ?? `${actual} is not about ${expected}`);
}

describe("peer guard on real hosts", () => {
  it("a peer that gossips invalid messages is disconnected and kept out for the ban, a good one stays", async (t) => {
    // bad is one of b's persistent peers: b bans it all the same, and its redial waits the ban out.
    const bad = await started(t);
    const b = await started(t, { bootstrap: bad.host.multiaddrs(), peerGuard: GUARD });
    const good = await started(t, { bootstrap: b.host.multiaddrs() });
    const inboxB = new Inbox(b, "tx", (data) => (Buffer.from(data).includes("junk") ? "reject" : "accept"));
    await waitFor(() => connected(b, bad) && connected(b, good), "bad and good to connect to b");
    await waitForTopicPeers(bad, "tx", [b]);
    await waitForTopicPeers(good, "tx", [b]);
    assert.equal(b.host.isPersistent(bad.host.peerId), true);
    const badConnects = connects(b, bad);
    let bannedAt = 0;
    // The ban is in place before the hang-up, so the disconnect event dates it closely.
    b.host.libp2p.addEventListener("peer:disconnect", (evt: CustomEvent<PeerId>) => {
      if (evt.detail.equals(bad.host.peerId) && bannedAt === 0) bannedAt = Date.now();
    });

    for (let i = 0; i < 20; i++) await bad.gossip.publish("tx", payload(`junk-${i}`));
    await waitFor(() => !connected(b, bad) && bannedAt > 0, "b to disconnect the bad peer");

    // The bad peer cannot come back during the ban: not by its own dial (b's gater denies the connection before
    // b counts it as connected), not by b's bootstrap redial.
    await bad.host.libp2p.dial(multiaddr(b.host.multiaddrs()[0] ?? "")).catch(() => {});
    const fromGood = payload("valid-from-good");
    await good.gossip.publish("tx", fromGood);
    await waitFor(() => inboxB.deliveries(fromGood) === 1, "the good peer's message to reach b");
    await sleep(BAN_MS / 2);
    assert.equal(connected(b, bad), false, "still out during the ban");
    assert.equal(connected(b, good), true, "the well-behaved peer stays connected");
    assert.deepEqual(badConnects, [], "no reconnection during the ban");
    assert.ok(b.gossip.peerScore(good.host.peerId) >= 0);

    // After it, b's bootstrap dialer brings the peer back (and the guard is free to judge it again).
    await waitFor(() => badConnects.length > 0, "b to redial its persistent peer after the ban");
    assert.ok((badConnects[0] ?? 0) >= bannedAt + BAN_MS - 100, "not before the ban ended");
  });

  it("penalties enter the gossip score, and past the ban level disconnect the peer", async (t) => {
    const b = await started(t, { peerGuard: GUARD });
    const a = await started(t, { bootstrap: b.host.multiaddrs() });
    new Inbox(b, "vote");
    new Inbox(a, "vote");
    await waitForTopicPeers(b, "vote", [a]);
    const before = b.gossip.peerScore(a.host.peerId);
    b.penalties.add(a.peerId, "bad-block");
    await waitFor(
      // Less a little decay.
      () => b.gossip.peerScore(a.host.peerId) < before - 0.99 * PENALTY_WEIGHTS["bad-block"],
      "the penalty to lower a's gossip score",
    );
    b.penalties.add(a.peerId, "bad-block");
    // Two lies bring a to the ban level but, decayed a little, not past it: the guard (every 100 ms) waits.
    await sleep(300);
    assert.equal(connected(b, a), true, "at the ban level, not past it");
    b.penalties.add(a.peerId, "bad-block");
    await waitFor(() => !connected(b, a), "b to disconnect a");
    await sleep(300);
    assert.equal(connected(b, a), false);
  });

  it("a req/resp request frame that fails to decode, or is invalid, adds a penalty", async (t) => {
    const server = await started(t);
    await server.reqresp.handleBlocks(async function* () {});
    const client = await started(t, { bootstrap: server.host.multiaddrs() });
    await waitFor(() => connected(client, server), "the client to connect");
    assert.equal(server.penalties.penalty(client.peerId), 0);

    // A length prefix over the request limit: the frame never decodes.
    const oversize = await client.host.libp2p.dialProtocol(server.host.peerId, BLOCKS);
    await oversize.sink([Uint8Array.from([...varint(MAX_REQUEST_BYTES + 1), 1, 2, 3])]).catch(() => {});
    await waitFor(
      () => server.penalties.penalty(client.peerId) >= PENALTY_WEIGHTS["bad-request"] - 1,
      "the broken frame to be penalised",
    );
    const afterFrame = server.penalties.penalty(client.peerId);

    // A well-framed request whose body is not a blocks request: refused as invalid, and penalised.
    const garbage = await client.host.libp2p.dialProtocol(server.host.peerId, BLOCKS);
    await garbage.sink([lp.encode.single(Uint8Array.of(0xff, 0x00, 0x01))]);
    const frames: number[] = [];
    for await (const frame of lp.decode(garbage.source)) frames.push(frame.get(0));
    assert.deepEqual(frames, [Status.InvalidRequest]);
    assert.ok(server.penalties.penalty(client.peerId) > afterFrame + PENALTY_WEIGHTS["bad-request"] / 2);
  });

  it("a response frame that fails to decode penalises the server; a refusal does not", async (t) => {
    const broken = await started(t);
    await broken.host.libp2p.handle(BLOCKS, async ({ stream }) => {
      for await (const _ of lp.decode(stream.source)) break;
      await stream.sink([lp.encode.single(Uint8Array.of(Status.Ok, 0xff, 0xff)).subarray()]);
    });
    const client = await started(t, { bootstrap: broken.host.multiaddrs() });
    await waitFor(() => connected(client, broken), "the client to connect");
    await assert.rejects(client.reqresp.requestBlocks(broken.peerId, 1, 4));
    assertAbout(client.penalties.penalty(broken.peerId), PENALTY_WEIGHTS["bad-response"]);

    const strict = await started(t, { reqresp: { blocksRate: { capacity: 1, refillPerSecond: 0.001 } } });
    await strict.reqresp.handleBlocks(async function* () {});
    await client.host.libp2p.dial(multiaddr(strict.host.multiaddrs()[0] ?? ""));
    await client.reqresp.requestBlocks(strict.peerId, 1, 1);
    await assert.rejects(client.reqresp.requestBlocks(strict.peerId, 1, 1));
    assert.equal(client.penalties.penalty(strict.peerId), 0, "a server's refusal is no breach");
    assertAbout(
      strict.penalties.penalty(client.peerId),
      PENALTY_WEIGHTS["rate-limited"],
      "the server counts the peer over its quota",
    );
  });
});
