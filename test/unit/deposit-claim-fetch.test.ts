import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ClaimFetch,
  type ClaimFetchOptions,
  ClaimPool,
  DepositIntake,
  encodeClaimGossip,
} from "../../node/deposits/index.ts";
import { encodeDepositClaim } from "../../node/types/index.ts";
import { silentLogger } from "../../node/util/logger.ts";
import { ScriptedConfirmer, testClaim } from "../helpers/deposits.ts";

const OPTS: ClaimFetchOptions = {
  checkEveryMs: 1_000,
  gapMs: 3_000,
  retryMs: 5_000,
  peersPerAsk: 2,
  maxServed: 3,
};

/** A node's pool and intake (claims confirmed by a scripted L1), and what it published. */
function depositNode(next = 0n) {
  const state = { next };
  const pool = new ClaimPool(() => state.next);
  const confirmer = new ScriptedConfirmer();
  const published: Uint8Array[] = [];
  const intake = new DepositIntake({ pool, confirmer, publish: (d) => published.push(d) });
  return { state, pool, confirmer, intake, published };
}

function fetcher(
  node: ReturnType<typeof depositNode>,
  peers: Record<string, (fromNonce: bigint) => Uint8Array[]>,
) {
  const clock = { now: 0 };
  const asked: string[] = [];
  const warnings: string[] = [];
  const fetched: number[] = [];
  const fetch = new ClaimFetch(OPTS, {
    intake: node.intake,
    pool: node.pool,
    nextNonce: () => node.state.next,
    reqresp: {
      handleHeld: async () => {},
      requestHeld: async (peer, request) => {
        asked.push(`${peer}:${request.fromNonce}`);
        const answer = peers[peer];
        if (answer === undefined) throw new Error("unreachable");
        return answer(request.fromNonce);
      },
    },
    peers: () => Object.keys(peers),
    now: () => clock.now,
    logger: { ...silentLogger, warn: (_o, msg) => void warnings.push(msg ?? "") },
    onFetched: (n) => void fetched.push(n),
    random: () => 0,
  });
  return { fetch, clock, asked, warnings, fetched };
}

describe("ClaimFetch", () => {
  it("serves held claims from a nonce, lowest first, at most maxServed", () => {
    const server = depositNode(2n);
    for (const n of [6n, 2n, 4n, 3n]) server.pool.add(testClaim(n));
    const { fetch } = fetcher(server, {});
    assert.deepEqual(
      fetch.serve(3n),
      [3n, 4n, 6n].map((n) => encodeDepositClaim(testClaim(n))),
    );
    assert.equal(fetch.serve(0n).length, 3);
    assert.deepEqual(fetch.serve(7n), []);
  });

  it("after a start it asks peers from the next nonce, and takes the claims L1 confirms", async () => {
    const server = depositNode(5n);
    for (const n of [5n, 6n, 7n]) server.pool.add(testClaim(n));
    const serving = fetcher(server, {}).fetch;
    const node = depositNode(5n);
    node.confirmer.verdicts.set(7n, "unconfirmed");
    const { fetch, asked, fetched } = fetcher(node, { a: (from) => serving.serve(from) });
    assert.equal(await fetch.tick(), 2, "5 and 6; 7 is not final on this node's L1 yet");
    assert.deepEqual(asked, ["a:5"]);
    assert.deepEqual(
      node.pool.ready(10).map((c) => c.nonce),
      [5n, 6n],
    );
    assert.deepEqual(fetched, [2]);
    assert.deepEqual(node.published, [], "fetched claims are not gossiped again at once");
    assert.equal(await fetch.tick(), 0, "no gap, not just started: it does not ask");
    assert.equal(asked.length, 1);
  });

  it("asks when claims wait above a missing nonce for gapMs, at most every retryMs", async () => {
    const node = depositNode(0n);
    let peerClaims: Uint8Array[] = [];
    const { fetch, clock, asked } = fetcher(node, { a: () => [], b: () => peerClaims });
    await fetch.tick();
    assert.equal(asked.length, 2, "the start's ask");
    // Peer b received claims 0 and 1 later (this node's gossip validation was busy, say).
    peerClaims = [0n, 1n].map((n) => encodeClaimGossip(testClaim(n), 99n));
    node.pool.add(testClaim(2n));
    node.pool.add(testClaim(3n));
    for (clock.now = 1_000; clock.now < 4_000; clock.now += 1_000) await fetch.tick();
    assert.equal(asked.length, 2, "the gap is younger than gapMs");
    clock.now = 5_000;
    assert.equal(await fetch.tick(), 2, "re-gossip payloads (with a gossip id) are taken too");
    assert.deepEqual(asked.slice(2).sort(), ["a:0", "b:0"]);
    assert.deepEqual(
      node.pool.ready(10).map((c) => c.nonce),
      [0n, 1n, 2n, 3n],
    );
  });

  it("a claim L1 contradicts, or a malformed one, discards the peer's whole answer", async () => {
    const node = depositNode(0n);
    node.confirmer.verdicts.set(1n, "mismatch");
    const good = encodeDepositClaim(testClaim(0n));
    const { fetch, warnings } = fetcher(node, {
      a: () => [good, encodeDepositClaim(testClaim(1n))],
      b: () => [good, Uint8Array.of(0xc1, 0x01)],
    });
    assert.equal(await fetch.tick(), 0);
    assert.equal(node.pool.size, 0, "not even the good claim before the bad one");
    assert.equal(warnings.length, 2);
    assert.match(warnings[0] ?? "", /answer dropped/);
  });
});

describe("deposit-claim gossip validation of re-gossiped claims", () => {
  it("takes a claim carried with a gossip id, ignores it once held, rejects what L1 contradicts", async () => {
    const node = depositNode(0n);
    node.confirmer.verdicts.set(1n, "mismatch");
    assert.equal(await node.intake.validateGossip(encodeClaimGossip(testClaim(0n), 7n)), "accept");
    assert.deepEqual(node.pool.get(0n), testClaim(0n));
    assert.equal(
      await node.intake.validateGossip(encodeClaimGossip(testClaim(0n), 8n)),
      "ignore",
      "held: not forwarded",
    );
    assert.equal(await node.intake.validateGossip(encodeClaimGossip(testClaim(1n), 9n)), "reject");
    assert.equal(node.pool.size, 1);
  });
});
