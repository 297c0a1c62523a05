import "../../node/util/polyfill.ts";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as lp from "it-length-prefixed";
import {
  decodeCheckpointSignature,
  encodeCheckpointSignature,
  MAX_CHECKPOINT_SIGNATURE_MESSAGE_BYTES,
} from "../../node/checkpoint/index.ts";
import { encodeRlpItem } from "../../node/crypto/index.ts";
import { decodeClaimGossip, encodeClaimGossip, MAX_CLAIM_GOSSIP_BYTES } from "../../node/deposits/index.ts";
import { P2pError, type P2pErrorCode } from "../../node/p2p/errors.ts";
import type { Network } from "../../node/p2p/network.ts";
import {
  decodeHeldRequest,
  encodeHeldRequest,
  HELD_LIMITS,
  type HeldRequest,
  MAX_REQUEST_BYTES,
  protocolId,
  Status,
} from "../../node/p2p/reqrespWire.ts";
import { TOPIC_MAX_BYTES } from "../../node/p2p/topics.ts";
import { decodeDepositClaim, encodeDepositClaim, MAX_VALIDATORS } from "../../node/types/index.ts";
import { testClaim } from "../helpers/deposits.ts";
import { CHAIN_ID, connected, payload, startNetwork, waitFor } from "../helpers/p2p.ts";

const HELD = protocolId(CHAIN_ID, "held");

function isCode(code: P2pErrorCode, pattern?: RegExp): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof P2pError, `expected a P2pError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (pattern) assert.match(err.message, pattern);
    return true;
  };
}

async function pair(t: { after: (fn: () => Promise<unknown>) => void }, server: Network): Promise<Network> {
  const client = await startNetwork({ bootstrap: server.host.multiaddrs() });
  t.after(() => client.stop());
  await waitFor(() => connected(client, server), "the client to connect");
  return client;
}

const SIGNATURE = {
  number: 3,
  checkpointHash: `0x${"ab".repeat(32)}`,
  signer: `0x${"11".repeat(20)}`,
  signature: `0x${"22".repeat(64)}1b`,
} as const;

describe("held request codec", () => {
  it("round-trips both kinds, a nonce up to uint256", () => {
    const requests: HeldRequest[] = [
      { kind: "checkpoint-signatures", number: 1 },
      { kind: "checkpoint-signatures", number: Number.MAX_SAFE_INTEGER },
      { kind: "deposit-claims", fromNonce: 0n },
      { kind: "deposit-claims", fromNonce: 2n ** 256n - 1n },
    ];
    for (const request of requests) {
      const bytes = encodeHeldRequest(request);
      assert.ok(bytes.length <= MAX_REQUEST_BYTES);
      assert.deepEqual(decodeHeldRequest(bytes), request);
    }
  });

  it("refuses oversize and malformed requests with invalid-request", () => {
    const cases: [string, Uint8Array, RegExp][] = [
      ["over the request limit", new Uint8Array(MAX_REQUEST_BYTES + 1), /over 64/],
      ["not RLP", Uint8Array.of(0xff, 0x00), /malformed/],
      ["not a list", encodeRlpItem(Uint8Array.of(1)), /malformed/],
      ["three fields", encodeRlpItem([Uint8Array.of(), Uint8Array.of(1), Uint8Array.of(1)]), /malformed/],
      ["an unknown kind", encodeRlpItem([Uint8Array.of(7), Uint8Array.of(1)]), /unknown held request kind 7/],
      ["checkpoint 0", encodeRlpItem([Uint8Array.of(), Uint8Array.of()]), /checkpoint number must be >= 1/],
      ["a non-canonical number", encodeRlpItem([Uint8Array.of(), Uint8Array.of(0, 1)]), /malformed/],
      ["a nonce over uint256", encodeRlpItem([Uint8Array.of(1), new Uint8Array(33).fill(1)]), /malformed/],
    ];
    for (const [what, bytes, pattern] of cases)
      assert.throws(() => decodeHeldRequest(bytes), isCode("invalid-request", pattern), what);
  });

  it("the answer's limits hold every payload its topic allows", () => {
    assert.equal(HELD_LIMITS["checkpoint-signatures"].maxItems, MAX_VALIDATORS);
    assert.ok(HELD_LIMITS["checkpoint-signatures"].maxItemBytes >= MAX_CHECKPOINT_SIGNATURE_MESSAGE_BYTES);
    assert.ok(HELD_LIMITS["deposit-claims"].maxItemBytes >= MAX_CLAIM_GOSSIP_BYTES);
    assert.ok(MAX_CLAIM_GOSSIP_BYTES <= TOPIC_MAX_BYTES["deposit-claim"]);
  });
});

describe("re-gossip payloads", () => {
  it("a checkpoint signature carries an optional gossip id, and decodes to the same signature", () => {
    const plain = encodeCheckpointSignature(SIGNATURE);
    const again = encodeCheckpointSignature({ ...SIGNATURE, gossipId: 2n ** 64n - 1n });
    assert.notDeepEqual(again, plain, "another payload, so another gossipsub message id");
    assert.deepEqual(decodeCheckpointSignature(plain), SIGNATURE);
    assert.deepEqual(decodeCheckpointSignature(again), { ...SIGNATURE, gossipId: 2n ** 64n - 1n });
    assert.ok(again.length <= MAX_CHECKPOINT_SIGNATURE_MESSAGE_BYTES);
    assert.throws(() => encodeCheckpointSignature({ ...SIGNATURE, gossipId: 2n ** 64n }), /gossipId/);
  });

  it("a deposit claim is sent plain first and wrapped with a gossip id after; oversize and malformed are refused", () => {
    const claim = testClaim(9n, { name: "n".repeat(64), symbol: "s".repeat(32) });
    const plain = encodeClaimGossip(claim);
    assert.deepEqual(plain, encodeDepositClaim(claim), "the first send is unchanged");
    assert.deepEqual(decodeClaimGossip(plain), { claim });
    const again = encodeClaimGossip(claim, 42n);
    assert.deepEqual(decodeClaimGossip(again), { claim, gossipId: 42n });
    assert.ok(again.length <= MAX_CLAIM_GOSSIP_BYTES);
    assert.throws(() => decodeDepositClaim(again), "the plain codec does not take the wrapper");
    assert.throws(() => decodeClaimGossip(new Uint8Array(MAX_CLAIM_GOSSIP_BYTES + 1)), /over/);
    assert.throws(() => decodeClaimGossip(again.subarray(0, again.length - 1)));
    assert.throws(() => decodeClaimGossip(encodeRlpItem([Uint8Array.of(1), Uint8Array.of(2)])));
  });
});

describe("held req/resp", () => {
  it("serves each kind from its handler and refuses a kind this node does not serve", async (t) => {
    const server = await startNetwork();
    t.after(() => server.stop());
    const asked: HeldRequest[] = [];
    const claims = [testClaim(5n), testClaim(6n)].map(encodeDepositClaim);
    await server.reqresp.handleHeld("deposit-claims", async (request) => {
      asked.push(request);
      return request.fromNonce <= 5n ? claims : [];
    });
    const client = await pair(t, server);
    assert.deepEqual(
      await client.reqresp.requestHeld(server.peerId, { kind: "deposit-claims", fromNonce: 5n }),
      claims,
    );
    assert.deepEqual(
      await client.reqresp.requestHeld(server.peerId, { kind: "deposit-claims", fromNonce: 7n }),
      [],
    );
    await assert.rejects(
      client.reqresp.requestHeld(server.peerId, { kind: "checkpoint-signatures", number: 1 }),
      isCode("invalid-request", /serves no checkpoint-signatures/),
    );
    await server.reqresp.handleHeld("checkpoint-signatures", async ({ number }) =>
      number === 3 ? [encodeCheckpointSignature(SIGNATURE)] : [],
    );
    assert.deepEqual(
      await client.reqresp.requestHeld(server.peerId, { kind: "checkpoint-signatures", number: 3 }),
      [encodeCheckpointSignature(SIGNATURE)],
    );
    assert.deepEqual(asked, [
      { kind: "deposit-claims", fromNonce: 5n },
      { kind: "deposit-claims", fromNonce: 7n },
    ]);
  });

  it("a malformed request gets an invalid-request frame and reaches no handler", async (t) => {
    const server = await startNetwork();
    t.after(() => server.stop());
    let calls = 0;
    await server.reqresp.handleHeld("deposit-claims", async () => {
      calls++;
      return [];
    });
    const client = await pair(t, server);
    await assert.rejects(
      client.reqresp.requestHeld(server.peerId, { kind: "checkpoint-signatures", number: 0 }),
      isCode("invalid-request", /checkpoint number must be >= 1/),
      "the server refuses checkpoint 0",
    );
    const stream = await client.host.libp2p.dialProtocol(server.host.peerId, HELD);
    await stream.sink([lp.encode.single(encodeRlpItem([Uint8Array.of(9), Uint8Array.of(1)]))]);
    const frames: Uint8Array[] = [];
    for await (const frame of lp.decode(stream.source)) frames.push(frame.subarray());
    assert.equal(frames.length, 1);
    assert.equal(frames[0]?.[0], Status.InvalidRequest);
    assert.match(new TextDecoder().decode(frames[0]?.subarray(1)), /unknown held request kind 9/);
    assert.equal(calls, 0);
  });

  it("an answer over the kind's limits is refused: an item too large, too many items", async (t) => {
    const server = await startNetwork();
    t.after(() => server.stop());
    await server.reqresp.handleHeld("checkpoint-signatures", async ({ number }) =>
      number === 1
        ? [payload("too-big", TOPIC_MAX_BYTES["checkpoint-sig"] + 10)]
        : Array.from({ length: MAX_VALIDATORS + 1 }, (_, i) => payload(`sig-${i}`)),
    );
    const client = await pair(t, server);
    // The server checks its own handler's items against the protocol's limits first.
    await assert.rejects(
      client.reqresp.requestHeld(server.peerId, { kind: "checkpoint-signatures", number: 1 }),
      isCode("server-error"),
    );
    const many = await client.reqresp.requestHeld(server.peerId, {
      kind: "checkpoint-signatures",
      number: 2,
    });
    assert.equal(many.length, MAX_VALIDATORS, "the server stops at the kind's item limit");
  });

  it("a hostile server's oversize item gives too-large, extra items bad-frame, garbage bad-frame", async (t) => {
    const sigBytes = TOPIC_MAX_BYTES["checkpoint-sig"];
    const cases: [string, Uint8Array[], P2pErrorCode][] = [
      [
        "an item over the kind's item limit",
        [Uint8Array.from([Status.Ok, ...payload("big", sigBytes + 1)])],
        "too-large",
      ],
      ["an item that is not RLP", [Uint8Array.of(Status.Ok, 0xff, 0xff)], "bad-frame"],
      [
        "more claims than a deposit-claims answer may carry",
        Array.from({ length: HELD_LIMITS["deposit-claims"].maxItems + 1 }, () =>
          Uint8Array.from([Status.Ok, ...payload("claim")]),
        ),
        "bad-frame",
      ],
    ];
    for (const [what, frames, code] of cases) {
      const server = await startNetwork();
      t.after(() => server.stop());
      await server.host.libp2p.handle(HELD, async ({ stream }) => {
        for await (const _ of lp.decode(stream.source)) break;
        await stream.sink(lp.encode(frames));
      });
      const client = await pair(t, server);
      const request: HeldRequest =
        code === "bad-frame" && frames.length > 1
          ? { kind: "deposit-claims", fromNonce: 0n }
          : { kind: "checkpoint-signatures", number: 1 };
      await assert.rejects(client.reqresp.requestHeld(server.peerId, request), isCode(code), what);
    }
  });
});
