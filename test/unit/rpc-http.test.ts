import assert from "node:assert/strict";
import { request } from "node:http";
import { describe, it, type TestContext } from "node:test";
import { parseEther } from "ethers";
import { toAddress } from "../../node/crypto/index.ts";
import { MAX_TX_BYTES } from "../../node/types/index.ts";
import { FakeRpcBackend, testWallets } from "../helpers/rpcBackend.ts";
import { batch, obj, post, rpc, single, startRpc } from "../helpers/rpcServer.ts";

/** Every way a stranger can get a request wrong over HTTP, each answered with the right code, none fatal. */

const [alice] = testWallets(1);
const ALICE = toAddress(alice?.address ?? "");

function chain(blocks = 3): FakeRpcBackend {
  const backend = new FakeRpcBackend({ alloc: { [ALICE]: parseEther("10") } });
  for (let i = 0; i < blocks; i++) backend.mine();
  return backend;
}

async function serve(t: TestContext, opts = {}) {
  const backend = chain();
  const { server, logger } = await startRpc(t, backend, opts);
  return { backend, url: server.url, logger, server };
}

function expectError(
  reply: Awaited<ReturnType<typeof post>>,
  code: number,
  id: unknown,
  pattern?: RegExp,
): void {
  assert.equal(reply.status, 200, reply.text);
  const m = single(reply);
  assert.equal(m.id, id);
  assert.equal(m.result, undefined);
  assert.equal(m.error?.code, code, reply.text);
  if (pattern) assert.match(m.error?.message ?? "", pattern);
}

/** Raw HTTP with a body of our choosing, also one without Content-Length (chunked). */
function rawPost(url: string, body: Buffer, chunked: boolean): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: "POST",
      headers: chunked
        ? { "content-type": "application/json", "transfer-encoding": "chunked" }
        : { "content-type": "application/json", "content-length": body.length },
    });
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      res.on("error", reject);
    });
    // The server may hang up once it has refused; the response is what counts.
    req.on("error", () => {});
    req.end(body);
  });
}

describe("rpc over HTTP: protocol errors", () => {
  it("answers each malformed request with its JSON-RPC error code and stays up", async (t) => {
    const { url, backend, logger } = await serve(t);

    expectError(await post(url, "{not json"), -32700, null, /parse error/);
    expectError(await post(url, ""), -32700, null);
    expectError(await post(url, '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"'), -32700, null);
    expectError(await post(url, "42"), -32600, null);
    expectError(await post(url, "null"), -32600, null);
    expectError(await post(url, '"eth_chainId"'), -32600, null);
    expectError(
      await post(url, JSON.stringify({ jsonrpc: "1.0", id: 7, method: "eth_chainId" })),
      -32600,
      7,
      /jsonrpc/,
    );
    expectError(await post(url, JSON.stringify({ id: 7, method: "eth_chainId" })), -32600, 7, /jsonrpc/);
    expectError(await post(url, JSON.stringify({ jsonrpc: "2.0", id: 8 })), -32600, 8, /method/);
    expectError(await post(url, JSON.stringify({ jsonrpc: "2.0", id: 8, method: 5 })), -32600, 8, /method/);
    expectError(
      await post(url, JSON.stringify({ jsonrpc: "2.0", id: { a: 1 }, method: "eth_chainId" })),
      -32600,
      null,
      /id/,
    );
    expectError(
      await post(url, JSON.stringify({ jsonrpc: "2.0", id: 9, method: "eth_chainId", params: "x" })),
      -32600,
      9,
      /params/,
    );
    expectError(await rpc(url, "eth_nope", [], "abc"), -32601, "abc", /the method "eth_nope" does not exist/);
    expectError(await rpc(url, "__proto__"), -32601, 1);
    expectError(await rpc(url, "constructor"), -32601, 1);
    const longName = await rpc(url, "x".repeat(10_000));
    expectError(longName, -32601, 1);
    assert.ok(longName.text.length < 300, "an unknown method's name is not echoed in full");

    // Deep nesting neither crashes the parser nor the validator.
    const deep = `${"[".repeat(50_000)}${"]".repeat(50_000)}`;
    const nested = await post(
      url,
      JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_getBalance", params: [] }).replace("[]", deep),
    );
    assert.equal(nested.status, 200);
    assert.ok(single(nested).error !== undefined);

    const ok = single(await rpc(url, "eth_chainId"));
    assert.equal(ok.result, "0x1d17");
    assert.deepEqual(logger.errors(), []);
    assert.ok(!backend.calls.includes("sendRawTransaction"));
  });

  it("validates params with clear messages", async (t) => {
    const { url, backend } = await serve(t);
    const a = ALICE;

    expectError(await rpc(url, "eth_getBalance", ["0xzz", "latest"]), -32602, 1, /params\[0\].*address/);
    expectError(await rpc(url, "eth_getBalance", [a.slice(0, 20), "latest"]), -32602, 1, /address/);
    expectError(await rpc(url, "eth_getBalance", [a, "newest"]), -32602, 1, /params\[1\].*block number/);
    expectError(await rpc(url, "eth_getBalance", [a, 5]), -32602, 1, /params\[1\]/);
    expectError(await rpc(url, "eth_getBalance", []), -32602, 1, /takes 1 to 2 params, got 0/);
    expectError(await rpc(url, "eth_getBalance", [a, "latest", 1]), -32602, 1, /got 3/);
    expectError(await rpc(url, "eth_blockNumber", [1]), -32602, 1, /takes 0 params, got 1/);
    expectError(
      await post(
        url,
        JSON.stringify({ jsonrpc: "2.0", id: 2, method: "eth_getBalance", params: { address: a } }),
      ),
      -32602,
      2,
      /array/,
    );
    expectError(await rpc(url, "eth_getBlockByNumber", ["0x1", "yes"]), -32602, 1, /true or false/);
    expectError(
      await rpc(url, "eth_getBlockByNumber", [`0x${"f".repeat(20)}`, false]),
      -32602,
      1,
      /too large/,
    );
    expectError(await rpc(url, "eth_getBlockByHash", ["0x1234", false]), -32602, 1, /32-byte hash/);
    expectError(await rpc(url, "eth_call", [{ to: a, data: "0x123" }, "latest"]), -32602, 1, /data.*even/);
    expectError(await rpc(url, "eth_call", [{ to: a, data: "0x12", input: "0x34" }]), -32602, 1, /differ/);
    expectError(await rpc(url, "eth_call", [{ to: a, value: `0x${"1".repeat(65)}` }]), -32602, 1, /256 bits/);
    expectError(await rpc(url, "eth_call", ["0x00"]), -32602, 1, /call object/);
    expectError(
      await rpc(url, "eth_getLogs", [{ blockHash: `0x${"11".repeat(32)}`, fromBlock: "0x1" }]),
      -32602,
      1,
      /blockHash/,
    );
    expectError(await rpc(url, "eth_getLogs", [{ topics: [[], [], [], [], []] }]), -32602, 1, /4 topic/);
    expectError(
      await rpc(url, "eth_getLogs", [{ fromBlock: "0x3", toBlock: "0x1" }]),
      -32602,
      1,
      /after toBlock/,
    );
    expectError(await rpc(url, "eth_sendRawTransaction", ["0xabc"]), -32602, 1, /even/);
    expectError(await rpc(url, "eth_sendRawTransaction", [17]), -32602, 1, /hex data/);
    expectError(await rpc(url, "eth_feeHistory", ["0x4", "latest", [50, 10]]), -32602, 1, /non-decreasing/);
    expectError(await rpc(url, "outrigger_commit", [-1]), -32602, 1, /height cannot be negative/);
    expectError(await rpc(url, "outrigger_commit", ["soon"]), -32602, 1, /params\[0\]/);
    // Trailing nulls mean "absent", as in geth.
    assert.equal(single(await rpc(url, "eth_getBalance", [a, null])).result, "0x8ac7230489e80000");
    assert.ok(!backend.calls.includes("sendRawTransaction"));
  });

  it("refuses oversized bodies with HTTP 413 and a JSON-RPC error", async (t) => {
    const { url } = await serve(t, { maxBodyBytes: 4096 });
    const big = Buffer.from(
      JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: ["x".repeat(5000)] }),
    );
    for (const chunked of [false, true]) {
      const reply = await rawPost(url, big, chunked);
      assert.equal(reply.status, 413, `chunked: ${chunked}`);
      const m = JSON.parse(reply.text);
      assert.equal(m.error.code, -32600);
      assert.match(m.error.message, /too large.*4096/);
    }
    // Just under the limit is fine.
    const fits = single(
      await post(
        url,
        JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }).padEnd(4000, " "),
      ),
    );
    assert.equal(fits.result, "0x1d17");
  });

  it("answers batches entry by entry, refuses empty and oversized ones, and skips notifications", async (t) => {
    const { url, backend } = await serve(t, { maxBatch: 10 });

    expectError(await post(url, "[]"), -32600, null, /empty batch/);
    const tooMany = Array.from({ length: 11 }, (_, i) => ({ jsonrpc: "2.0", id: i, method: "eth_chainId" }));
    expectError(await post(url, JSON.stringify(tooMany)), -32600, null, /11 requests.*limit of 10/);

    const mixed = await post(
      url,
      JSON.stringify([
        { jsonrpc: "2.0", id: 1, method: "eth_blockNumber" },
        { jsonrpc: "2.0", id: 2, method: "eth_nope" },
        5,
        { jsonrpc: "2.0", method: "eth_blockNumber" },
        { jsonrpc: "2.0", id: 3, method: "eth_getBalance", params: ["bad"] },
        { jsonrpc: "1.0", id: 4, method: "eth_chainId" },
        { jsonrpc: "2.0", id: "five", method: "eth_getBalance", params: [ALICE, "latest"] },
      ]),
    );
    assert.equal(mixed.status, 200);
    const replies = batch(mixed);
    assert.equal(replies.length, 6, "one reply per entry except the notification");
    assert.deepEqual(
      replies.map((r) => [r.id, r.error?.code ?? "ok"]),
      [
        [1, "ok"],
        [2, -32601],
        [null, -32600],
        [3, -32602],
        [4, -32600],
        ["five", "ok"],
      ],
    );
    assert.equal(replies[0]?.result, "0x3");

    // A notification alone, or a batch of them, gets no body at all.
    const note = await post(url, JSON.stringify({ jsonrpc: "2.0", method: "eth_blockNumber" }));
    assert.equal(note.status, 204);
    assert.equal(note.text, "");
    const notes = await post(
      url,
      JSON.stringify([
        { jsonrpc: "2.0", method: "eth_chainId" },
        { jsonrpc: "2.0", method: "eth_nope" },
      ]),
    );
    assert.equal(notes.status, 204);
    assert.equal(notes.text, "");
    assert.ok(!backend.calls.includes("sendRawTransaction"));
  });

  it("stops answering a batch once its responses pass the size cap", async (t) => {
    const { url } = await serve(t, { maxResponseBytes: 1000 });
    const requests = [1, 2, 3].map((n) => ({
      jsonrpc: "2.0",
      id: n,
      method: "eth_getBlockByNumber",
      params: [`0x${n}`, true],
    }));
    const replies = batch(await post(url, JSON.stringify(requests)));
    assert.equal(replies.length, 3);
    // The first answer alone passes the cap, so the rest are refused.
    assert.equal(obj(replies[0]?.result).number, "0x1");
    assert.deepEqual(
      replies.map((r) => [r.id, r.error?.code ?? "ok"]),
      [
        [1, "ok"],
        [2, -32005],
        [3, -32005],
      ],
    );
    assert.match(replies[2]?.error?.message ?? "", /response too large/);
  });

  it("hides internal failures behind -32603 and logs them", async (t) => {
    const backend = chain();
    backend.getBlockByHeight = async () => {
      throw new Error("disk on fire at /var/secret/path");
    };
    const { server, logger } = await startRpc(t, backend);
    const reply = await rpc(server.url, "eth_getBlockByNumber", ["0x1", false]);
    expectError(reply, -32603, 1, /^internal error$/);
    assert.ok(!reply.text.includes("secret"));
    assert.equal(logger.errors().length, 1);
    assert.equal(single(await rpc(server.url, "eth_blockNumber")).result, "0x3");
  });
});

describe("rpc over HTTP: method errors", () => {
  it("refuses state at other blocks than the head", async (t) => {
    const { url } = await serve(t);
    const head = single(await rpc(url, "eth_getBalance", [ALICE, "0x3"]));
    assert.equal(head.result, "0x8ac7230489e80000");
    expectError(
      await rpc(url, "eth_getBalance", [ALICE, "0x1"]),
      -32000,
      1,
      /historical state is not available/,
    );
    expectError(await rpc(url, "eth_getBalance", [ALICE, "earliest"]), -32000, 1, /historical/);
    expectError(await rpc(url, "eth_getTransactionCount", [ALICE, "0x9"]), -32000, 1, /header not found/);
    expectError(
      await rpc(url, "eth_getCode", [ALICE, { blockHash: `0x${"12".repeat(32)}` }]),
      -32000,
      1,
      /not found/,
    );
    assert.equal(single(await rpc(url, "eth_getCode", [ALICE, { blockNumber: "0x3" }])).result, "0x");
  });

  it("caps log queries by block range and result count", async (t) => {
    const { url } = await serve(t, { maxLogBlockRange: 2 });
    expectError(
      await rpc(url, "eth_getLogs", [{ fromBlock: "0x1", toBlock: "0x3" }]),
      -32005,
      1,
      /3 blocks, the limit is 2/,
    );
    assert.deepEqual(
      single(await rpc(url, "eth_getLogs", [{ fromBlock: "0x2", toBlock: "0x3" }])).result,
      [],
    );
    // Past the head the range is cut at the head, so it stays within the cap.
    assert.deepEqual(
      single(await rpc(url, "eth_getLogs", [{ fromBlock: "0x3", toBlock: "0x99" }])).result,
      [],
    );
    expectError(
      await rpc(url, "eth_getLogs", [{ blockHash: `0x${"12".repeat(32)}` }]),
      -32000,
      1,
      /unknown block/,
    );
  });

  it("rejects raw transactions that can never be valid", async (t) => {
    const { url, backend } = await serve(t);
    expectError(await rpc(url, "eth_sendRawTransaction", ["0x"]), -32003, 1, /empty/);
    expectError(await rpc(url, "eth_sendRawTransaction", ["0xdeadbeef"]), -32003, 1, /invalid transaction/);
    const huge = `0x${"00".repeat(MAX_TX_BYTES + 1)}`;
    expectError(await rpc(url, "eth_sendRawTransaction", [huge]), -32003, 1, /oversized/);
    // The oversized one never reached the mempool; the garbage one was refused by it.
    assert.equal(backend.calls.filter((c) => c === "sendRawTransaction").length, 1);
    assert.equal(backend.headHeight(), 3);
  });

  it("says notifications are not supported over HTTP", async (t) => {
    const { url } = await serve(t);
    expectError(await rpc(url, "eth_subscribe", ["newHeads"]), -32601, 1, /notifications not supported/);
    expectError(await rpc(url, "eth_unsubscribe", ["0x1"]), -32601, 1, /notifications not supported/);
  });
});

describe("rpc over HTTP: the rest of the surface", () => {
  it("serves CORS, health, extra routes, and refuses other verbs and paths", async (t) => {
    const backend = chain();
    const { server } = await startRpc(t, backend, {
      extraRoutes: {
        "/metrics": (_req, res) => {
          res.writeHead(200, { "content-type": "text/plain" });
          res.end("outrigger_height 3\n");
        },
      },
    });
    const { url } = server;

    const preflight = await fetch(url, {
      method: "OPTIONS",
      headers: { origin: "https://wallet.example", "access-control-request-headers": "content-type" },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get("access-control-allow-origin"), "*");
    assert.match(preflight.headers.get("access-control-allow-methods") ?? "", /POST/);
    assert.equal(preflight.headers.get("access-control-allow-headers"), "content-type");
    const reply = await rpc(url, "eth_chainId");
    assert.equal(reply.headers.get("access-control-allow-origin"), "*");
    assert.equal(reply.headers.get("content-type"), "application/json");

    const health = await fetch(new URL("/health", url));
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: "ok", height: 3 });
    const metrics = await fetch(new URL("/metrics", url));
    assert.equal(await metrics.text(), "outrigger_height 3\n");
    assert.equal((await fetch(url)).status, 405);
    assert.equal((await fetch(new URL("/nope", url), { method: "POST", body: "{}" })).status, 404);
  });

  it("serves the net, web3 and outrigger namespaces", async (t) => {
    const { url, backend } = await serve(t);
    const call = async (method: string, params: unknown[] = []) =>
      single(await rpc(url, method, params)).result;
    assert.equal(await call("net_version"), "7447");
    assert.equal(await call("net_listening"), true);
    assert.equal(await call("net_peerCount"), "0x3");
    assert.equal(await call("web3_clientVersion"), "outrigger/v0.1.0-test");
    assert.equal(
      await call("web3_sha3", ["0x68656c6c6f20776f726c64"]),
      "0x47173285a8d7341e5e972fc677286384f802f8ef42a5ec5f03bbfa254cb01fad",
    );
    assert.equal(await call("eth_syncing"), false);
    assert.deepEqual(await call("eth_accounts"), []);

    const status = obj(await call("outrigger_status"));
    assert.equal(status.chainId, "7447");
    assert.equal(status.height, 3);
    assert.equal(status.hash, backend.blocks[2]?.hash);
    assert.equal(status.time, backend.blocks[2]?.block.header.time);
    assert.equal(status.epoch, 1);
    assert.equal(status.peers, 3);
    assert.equal(status.syncing, false);
    assert.equal(status.validator, null);

    const validators = obj(await call("outrigger_validators"));
    assert.equal(validators.height, 4);
    assert.equal(validators.totalPower, "60");
    assert.deepEqual(
      validators.validators,
      backend.validators.map((v) => ({
        address: v.address,
        power: v.power.toString(),
        stake: "10",
        jailed: false,
        jailedUntil: 0,
        slashed: "0",
        missedInWindow: 0,
      })),
    );
    assert.equal(obj(await call("outrigger_validators", [2])).height, 2);
    assert.equal(obj(await call("outrigger_validators", ["0x2"])).height, 2);
    assert.equal(await call("outrigger_validators", [50]), null);

    const commit = obj(await call("outrigger_commit", [2]));
    assert.equal(commit.height, 2);
    assert.equal(commit.round, 0);
    assert.equal(commit.blockHash, backend.blocks[1]?.hash);
    assert.equal((commit.signatures as unknown[]).length, 3);
    assert.equal(obj(await call("outrigger_commit", ["latest"])).height, 3);
    assert.equal(await call("outrigger_commit", [9]), null);

    const history = obj(await call("eth_feeHistory", ["0x2", "latest", [25, 75]]));
    assert.deepEqual(history, {
      oldestBlock: "0x2",
      baseFeePerGas: ["0x3b9aca00", "0x3b9aca00", "0x3b9aca00"],
      gasUsedRatio: [0, 0],
      reward: [
        ["0x0", "0x0"],
        ["0x0", "0x0"],
      ],
    });
    assert.equal(await call("eth_getBlockTransactionCountByNumber", ["0x1"]), "0x0");
    assert.equal(await call("eth_getTransactionByBlockNumberAndIndex", ["0x1", "0x0"]), null);
    assert.deepEqual(await call("eth_getBlockReceipts", ["latest"]), []);
    // Block 0 is the genesis block, named by block 1 as its parent; nothing exists above the head.
    assert.equal(
      obj(await call("eth_getBlockByNumber", ["0x0", false])).hash,
      backend.blocks[0]?.block.header.parentHash,
    );
    assert.equal(await call("eth_getBlockByNumber", ["0x4", false]), null);
  });
});
