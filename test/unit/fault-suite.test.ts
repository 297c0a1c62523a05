import "../../node/util/polyfill.ts";
import assert from "node:assert/strict";
import { createServer as createHttpServer } from "node:http";
import { connect, createServer, type Server } from "node:net";
import { describe, it, type TestContext } from "node:test";
import { devValidatorKey } from "../../genesis/devKeys.ts";
import { privateKeyToAddress, signDigest, VoteType, voteDigest } from "../../node/crypto/index.ts";
import { encodeVote } from "../../node/types/vote.ts";
import { ChainRecord, InvariantError } from "../fault/invariants.ts";
import { ManifestError, parseManifest } from "../fault/manifest.ts";
import { VoteObserver } from "../fault/observer.ts";
import { LinkProxy } from "../fault/proxy.ts";
import { loadManifests } from "../fault/suite.ts";
import { Topology } from "../fault/topology.ts";

const FOUR = ["v0", "v1", "v2", "v3"].map((name) => ({ name, validator: name, power: 1 }));

function echoServer(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer((s) => s.pipe(s));
    server.listen({ host: "127.0.0.1", port: 0 }, () => {
      const address = server.address();
      resolve({ server, port: typeof address === "object" && address ? address.port : 0 });
    });
  });
}

/** Sends `text` through the proxy and resolves with what came back within `ms` ("" if nothing). */
function roundTrip(port: number, text: string, ms = 300): Promise<string> {
  return new Promise((resolve) => {
    let got = "";
    const socket = connect({ host: "127.0.0.1", port }, () => socket.write(text));
    socket.on("data", (d) => {
      got += d.toString();
    });
    socket.on("error", () => {});
    setTimeout(() => {
      socket.destroy();
      resolve(got);
    }, ms);
  });
}

describe("fault suite manifests", () => {
  it("every manifest in test/fault/manifests is valid, and there are at least 20", async () => {
    const manifests = await loadManifests();
    assert.ok(manifests.length >= 20, `${manifests.length} scenarios`);
    assert.ok(
      manifests.some((m) => m.fast),
      "a fast subset exists",
    );
  });

  it("names each problem with its JSON path", () => {
    assert.throws(
      () =>
        parseManifest(
          {
            description: "x",
            validators: [{ name: "v0" }, { name: "v0" }, { name: "tw", duplicateOf: "nobody" }],
            steps: [{ do: "kill", nodes: ["v9"] }, { do: "explode" }],
            expect: { doubleSigners: ["ghost"] },
          },
          "bad",
        ),
      (err: unknown) => {
        assert.ok(err instanceof ManifestError);
        assert.match(err.message, /scenario bad: invalid manifest/);
        assert.match(err.message, /steps\.1\.do: /);
        return true;
      },
    );
    assert.throws(
      () =>
        parseManifest(
          {
            description: "x",
            validators: [{ name: "v0" }, { name: "v0" }, { name: "tw", duplicateOf: "nobody" }],
            steps: [{ do: "kill", nodes: ["v9"] }],
            expect: { doubleSigners: ["ghost"] },
          },
          "bad",
        ),
      (err: unknown) => {
        assert.ok(err instanceof ManifestError);
        assert.match(err.message, /validators: validator names must be unique/);
        assert.match(err.message, /validators\.2\.duplicateOf: nobody is not a genesis validator/);
        assert.match(err.message, /steps\.0\.nodes\.0: unknown node "v9"/);
        assert.match(err.message, /expect\.doubleSigners\.0: unknown node "ghost"/);
        return true;
      },
    );
  });
});

describe("fault suite topology", () => {
  it("advances with more than 2/3 linked both ways, halts when no group linked at all has it", () => {
    const t = new Topology(FOUR);
    const all = new Set(["v0", "v1", "v2", "v3"]);
    assert.equal(t.expectation(all), "advances");
    assert.equal(t.expectation(new Set(["v0", "v1", "v2"])), "advances");
    assert.equal(t.expectation(new Set(["v0", "v1"])), "halts");
    t.partition([
      ["v0", "v1"],
      ["v2", "v3"],
    ]);
    assert.equal(t.expectation(all), "halts");
    t.partition([["v0", "v1", "v2"]]);
    assert.deepEqual([...t.advancingGroup(all)].sort(), ["v0", "v1", "v2"]);
    t.heal();
    t.block("v0", "v1");
    assert.equal(t.expectation(all), "advances", "gossip goes round a one-way link");
  });

  it("counts a validator's power once however many processes sign for it, and weighs by power", () => {
    const t = new Topology([
      { name: "v0", validator: "v0", power: 5 },
      ...FOUR.slice(1),
      { name: "twin", validator: "v1", power: 1 },
    ]);
    assert.equal(t.expectation(new Set(["v1", "v2", "v3", "twin"])), "halts", "3/8 without v0");
    assert.equal(t.expectation(new Set(["v0", "v1", "v2"])), "advances", "7/8");
  });
});

describe("fault suite link proxy", () => {
  it("carries bytes, drops one direction, refuses when cut or targetless, and delays in order", async (t) => {
    const { server, port } = await echoServer();
    t.after(() => server.close());
    const proxy = await LinkProxy.start();
    t.after(() => proxy.stop());
    assert.equal(await roundTrip(proxy.port, "hi"), "", "no target yet: refused");
    proxy.setTarget({ host: "127.0.0.1", port });
    assert.equal(await roundTrip(proxy.port, "hello"), "hello");
    proxy.reshape({ backward: false });
    assert.equal(await roundTrip(proxy.port, "lost"), "", "the echo back is dropped");
    proxy.reshape({ backward: true, forward: false });
    assert.equal(await roundTrip(proxy.port, "lost"), "", "the request is dropped");
    proxy.reshape({ forward: false, backward: false });
    assert.ok(proxy.cut);
    assert.equal(await roundTrip(proxy.port, "cut"), "");
    proxy.reshape({ forward: true, backward: true, delayMs: 150 });
    const began = Date.now();
    assert.equal(await roundTrip(proxy.port, "late", 1000), "late");
    assert.ok(Date.now() - began >= 300, "each direction held 150 ms");
    proxy.reshape({ delayMs: 0 });
    // Chunks written a millisecond apart, each with its own random delay: they must come back in order.
    const sent = Array.from({ length: 60 }, (_, i) => `<${i}>`).join("");
    proxy.reshape({ jitterMs: 40, loss: 0.3, retransmitMs: 25 });
    const spread = await new Promise<string>((resolve) => {
      let got = "";
      const socket = connect({ host: "127.0.0.1", port: proxy.port }, async () => {
        for (const piece of sent.match(/<\d+>/g) ?? []) {
          socket.write(piece);
          await new Promise((r) => setTimeout(r, 1));
        }
      });
      socket.on("data", (d) => {
        got += d.toString();
        if (got.length >= sent.length) {
          socket.destroy();
          resolve(got);
        }
      });
    });
    assert.equal(spread, sent, "jitter and loss never reorder a stream");
  });
});

describe("fault suite vote observer", () => {
  it("reports two different signed votes for one (height, round, type) unless the validator is exempt", async (t) => {
    const chainId = 7447n;
    const observer = await VoteObserver.start({ chainId, genesisHash: `0x${"47".repeat(32)}`, peers: [] });
    t.after(() => observer.stop());
    const key = devValidatorKey(1);
    const validator = privateKeyToAddress(key);
    const vote = (blockHash: `0x${string}` | null, round = 0) => {
      const v = { type: VoteType.Prevote, height: 5, round, blockHash };
      return encodeVote({ ...v, validator, signature: signDigest(voteDigest({ chainId, ...v }), key) });
    };
    observer.record(chainId, vote(`0x${"aa".repeat(32)}`));
    observer.record(chainId, vote(`0x${"aa".repeat(32)}`));
    observer.record(chainId, vote(null, 1));
    assert.deepEqual(
      observer.conflicts(),
      [],
      "the same vote twice, and votes in different rounds, are fine",
    );
    observer.record(chainId, vote(`0x${"bb".repeat(32)}`));
    const forged = vote(`0x${"cc".repeat(32)}`);
    const at = forged.length - 2;
    forged[at] = (forged[at] ?? 0) ^ 1;
    observer.record(chainId, forged);
    const conflicts = observer.conflicts();
    assert.equal(conflicts.length, 1);
    assert.equal(conflicts[0]?.validator, validator.toLowerCase());
    assert.equal(conflicts[0]?.blockHashes.length, 2, "the forged vote is not counted");
    assert.deepEqual(observer.conflicts(new Set([validator.toLowerCase()])), []);
  });
});

/** A node's RPC as the checks read it: eth_blockNumber and eth_getBlockByNumber over `chain` (hashes by height). */
async function fakeNode(t: TestContext, chain: string[]): Promise<string> {
  const server = createHttpServer((req, res) => {
    let body = "";
    req.on("data", (d) => {
      body += d;
    });
    req.on("end", () => {
      const { method, params } = JSON.parse(body) as { method: string; params: string[] };
      const height = Number.parseInt(params[0] ?? "0x0", 16);
      const result =
        method === "eth_blockNumber"
          ? `0x${chain.length.toString(16)}`
          : height >= 1 && height <= chain.length
            ? { hash: chain[height - 1] }
            : null;
      res.end(JSON.stringify({ jsonrpc: "2.0", id: 1, result }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => server.close());
  const address = server.address();
  return `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
}

describe("fault suite chain record", () => {
  it("finds a fork at any height since the last check, and blocks lost or changed across a restart", async (t) => {
    const record = new ChainRecord();
    const a = ["0xa1", "0xa2"];
    await record.checkAgreement({ name: "a", rpcUrl: await fakeNode(t, a) });
    await record.checkAgreement({ name: "b", rpcUrl: await fakeNode(t, ["0xa1", "0xa2", "0xa3"]) });
    await assert.rejects(
      record.checkAgreement({ name: "c", rpcUrl: await fakeNode(t, ["0xa1", "0xc2"]) }),
      (err: unknown) => err instanceof InvariantError && /fork at height 2: c has 0xc2/.test(err.message),
    );
    await record.noteGoingDown({ name: "a", rpcUrl: await fakeNode(t, a) });
    await assert.rejects(
      record.checkDurability({ name: "a", rpcUrl: await fakeNode(t, ["0xa1"]) }),
      /a lost committed blocks: it had 2, after the restart 1/,
    );
    await assert.rejects(
      record.checkDurability({ name: "a", rpcUrl: await fakeNode(t, ["0xa1", "0xff"]) }),
      /block 2 changed across the restart/,
    );
    await record.checkDurability({ name: "a", rpcUrl: await fakeNode(t, ["0xa1", "0xa2", "0xa3"]) });
    record.forget("a");
    await record.checkAgreement({ name: "a", rpcUrl: await fakeNode(t, ["0xa1"]) });
    assert.equal(record.tip, 3);
  });
});
