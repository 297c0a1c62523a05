import "../../node/util/polyfill.ts";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { IncomingStreamData } from "@libp2p/interface";
import * as lp from "it-length-prefixed";
import { P2pError, type P2pErrorCode } from "../../node/p2p/errors.ts";
import type { Network } from "../../node/p2p/network.ts";
import { encodeBlocksRequest, protocolId, Status } from "../../node/p2p/reqrespWire.ts";
import { CHAIN_ID, connected, payload, startNetwork, varint, waitFor } from "../helpers/p2p.ts";

const BLOCKS = protocolId(CHAIN_ID, "blocks");

/** RLP([height, filler]) standing in for an encoded block+commit. */
function item(height: number, size = 100): Uint8Array {
  return payload(`block-${height}`, size);
}

function isCode(code: P2pErrorCode): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof P2pError, `expected a P2pError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return true;
  };
}

async function pair(t: { after: (fn: () => Promise<unknown>) => void }, server: Network): Promise<Network> {
  const client = await startNetwork({ bootstrap: server.host.multiaddrs() });
  t.after(() => client.stop());
  await waitFor(() => connected(client, server), "the client to connect");
  return client;
}

/** A server speaking the blocks protocol badly: reads the request, then writes `raw` bytes (or nothing). */
async function rawServer(
  t: { after: (fn: () => Promise<unknown>) => void },
  respond: (data: IncomingStreamData) => Promise<void>,
): Promise<Network> {
  const server = await startNetwork();
  t.after(() => server.stop());
  await server.host.libp2p.handle(BLOCKS, async (data) => {
    for await (const _ of lp.decode(data.stream.source)) break;
    await respond(data);
  });
  return server;
}

describe("p2p req/resp", () => {
  it("streams the block range the handler yields, at most count items", async (t) => {
    const server = await startNetwork();
    t.after(() => server.stop());
    const tip = 10;
    const asked: [number, number][] = [];
    await server.reqresp.handleBlocks(async function* (from, count) {
      asked.push([from, count]);
      // A sloppy handler that ignores count: the server still stops at count.
      for (let h = from; h <= tip; h++) yield item(h);
    });
    const client = await pair(t, server);

    const range = await client.reqresp.requestBlocks(server.peerId, 5, 64);
    assert.deepEqual(
      range,
      [5, 6, 7, 8, 9, 10].map((h) => item(h)),
    );
    const capped = await client.reqresp.requestBlocks(server.host.peerId, 1, 3);
    assert.deepEqual(
      capped,
      [1, 2, 3].map((h) => item(h)),
    );
    assert.deepEqual(await client.reqresp.requestBlocks(server.peerId, 11, 5), []);
    assert.deepEqual(asked, [
      [5, 64],
      [1, 3],
      [11, 5],
    ]);
  });

  it("enforces count <= 64 on both sides", async (t) => {
    const server = await startNetwork();
    t.after(() => server.stop());
    let calls = 0;
    await server.reqresp.handleBlocks(async function* () {
      calls++;
      yield item(1);
    });
    const client = await pair(t, server);
    await assert.rejects(client.reqresp.requestBlocks(server.peerId, 1, 65), isCode("invalid-request"));
    await assert.rejects(client.reqresp.requestBlocks(server.peerId, 1, 0), isCode("invalid-request"));

    // A client that skips the check gets an invalid-request frame and nothing is served.
    const stream = await client.host.libp2p.dialProtocol(server.host.peerId, BLOCKS);
    await stream.sink([lp.encode.single(encodeBlocksRequest(1, 65))]);
    const frames: Uint8Array[] = [];
    for await (const frame of lp.decode(stream.source)) frames.push(frame.subarray());
    assert.equal(frames.length, 1);
    assert.equal(frames[0]?.[0], Status.InvalidRequest);
    assert.equal(calls, 0);
  });

  it("bounds response size: the client's limit errors, the server's budget ends a response early", async (t) => {
    const server = await startNetwork();
    t.after(() => server.stop());
    const mib = 1024 * 1024;
    await server.reqresp.handleBlocks(async function* (from, count) {
      for (let h = from; h < from + count; h++) yield item(h, h > 100 ? mib : 600);
    });
    const client = await pair(t, server);
    await assert.rejects(
      client.reqresp.requestBlocks(server.peerId, 1, 5, { maxResponseBytes: 1500 }),
      isCode("too-large"),
    );
    // 40 items of 1 MiB ask for more than the 32 MiB budget: the server sends the 31 whole items that fit.
    const big = await client.reqresp.requestBlocks(server.peerId, 101, 40);
    assert.equal(big.length, 31);
    assert.deepEqual(big[30], item(131, mib));
  });

  it("a malformed frame gives bad-frame", async (t) => {
    const cases: [string, Uint8Array][] = [
      ["an item that is not RLP", lp.encode.single(Uint8Array.of(Status.Ok, 0xff, 0xff)).subarray()],
      ["an unknown status byte", lp.encode.single(Uint8Array.of(9, 0x80)).subarray()],
      ["an empty frame", lp.encode.single(new Uint8Array(0)).subarray()],
      ["a truncated frame", Uint8Array.from([...varint(100), 0, 1, 2, 3])],
    ];
    for (const [what, bytes] of cases) {
      const server = await rawServer(t, async ({ stream }) => {
        await stream.sink([bytes]);
      });
      const client = await pair(t, server);
      await assert.rejects(client.reqresp.requestBlocks(server.peerId, 1, 4), isCode("bad-frame"), what);
    }
  });

  it("more items than asked for give bad-frame, a frame over the size limit too-large", async (t) => {
    const tooMany = await rawServer(t, async ({ stream }) => {
      await stream.sink(lp.encode([1, 2, 3].map((h) => Uint8Array.from([Status.Ok, ...item(h)]))));
    });
    const client = await pair(t, tooMany);
    await assert.rejects(client.reqresp.requestBlocks(tooMany.peerId, 1, 2), isCode("bad-frame"));

    const huge = await rawServer(t, async ({ stream }) => {
      await stream.sink([Uint8Array.from([...varint(100 * 1024 * 1024), 0, 1, 2])]);
    });
    const client2 = await pair(t, huge);
    await assert.rejects(client2.reqresp.requestBlocks(huge.peerId, 1, 2), isCode("too-large"));
  });

  it("a server that never answers gives timeout", async (t) => {
    const server = await rawServer(t, () => new Promise<void>(() => {}));
    const client = await pair(t, server);
    await assert.rejects(
      client.reqresp.requestBlocks(server.peerId, 1, 4, { timeoutMs: 500 }),
      isCode("timeout"),
    );
  });

  it("catch-up round trip, and unsupported-protocol when the peer does not serve it", async (t) => {
    const server = await startNetwork();
    t.after(() => server.stop());
    const current = [payload("proposal-7", 300), payload("prevote-7a"), payload("prevote-7b")];
    await server.reqresp.handleCatchUp(async (height) => (height === 7 ? current : []));
    const client = await pair(t, server);
    assert.deepEqual(await client.reqresp.requestCatchUp(server.peerId, 7), current);
    assert.deepEqual(await client.reqresp.requestCatchUp(server.peerId, 6), []);
    await assert.rejects(client.reqresp.requestBlocks(server.peerId, 1, 1), isCode("unsupported-protocol"));
  });

  it("rate-limits each peer, refuses work beyond the concurrency limit, reports handler failures", async (t) => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let slowStarted = false;
    const server = await startNetwork({
      reqresp: { blocksRate: { capacity: 64, refillPerSecond: 0.001 }, maxConcurrent: 1 },
    });
    t.after(() => server.stop());
    await server.reqresp.handleBlocks(async function* (from, count) {
      for (let h = from; h < from + count; h++) yield item(h);
    });
    await server.reqresp.handleCatchUp(async (height) => {
      if (height === 1) {
        slowStarted = true;
        await gate;
      }
      if (height === 2) throw new Error("store unavailable");
      return [payload(`cu-${height}`)];
    });
    const client = await pair(t, server);

    assert.equal((await client.reqresp.requestBlocks(server.peerId, 1, 64)).length, 64);
    await assert.rejects(client.reqresp.requestBlocks(server.peerId, 65, 1), isCode("rate-limited"));

    const slow = client.reqresp.requestCatchUp(server.peerId, 1);
    await waitFor(() => slowStarted, "the slow request to hold the only slot");
    await assert.rejects(client.reqresp.requestCatchUp(server.peerId, 3), isCode("rate-limited"));
    release();
    assert.deepEqual(await slow, [payload("cu-1")]);
    await assert.rejects(client.reqresp.requestCatchUp(server.peerId, 2), isCode("server-error"));
  });

  it("a peer that is gone gives dial", async (t) => {
    const server = await startNetwork();
    t.after(() => server.stop());
    await server.reqresp.handleBlocks(async function* () {});
    const client = await pair(t, server);
    await server.stop();
    await waitFor(() => !connected(client, server), "the connection to close");
    await assert.rejects(
      client.reqresp.requestBlocks(server.peerId, 1, 1, { timeoutMs: 5000 }),
      isCode("dial"),
    );
  });
});
