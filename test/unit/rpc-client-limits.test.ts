import assert from "node:assert/strict";
import { request } from "node:http";
import { connect, type Socket } from "node:net";
import { describe, it, type TestContext } from "node:test";
import { WebSocket } from "ws";
import { clientKey } from "../../node/rpc/clientLimits.ts";
import type { CallOutcome, CallRequest } from "../../node/rpc/index.ts";
import type { WorkBudget } from "../../node/util/workBudget.ts";
import { FakeRpcBackend } from "../helpers/rpcBackend.ts";
import { type RpcMessage, startRpc } from "../helpers/rpcServer.ts";

interface Reply {
  status: number;
  retryAfter: string | undefined;
  body: RpcMessage | RpcMessage[];
}

/** POSTs from a chosen loopback address: 127.0.0.0/8 is all local, so each address is a distinct client. */
function postFrom(url: string, from: string, body: unknown): Promise<Reply> {
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        localAddress: from,
        agent: false,
        headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const retry = res.headers["retry-after"];
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: Array.isArray(retry) ? retry[0] : retry,
            body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as RpcMessage,
          });
        });
      },
    );
    req.on("error", reject);
    req.end(text);
  });
}

const chainId = (id: number) => ({ jsonrpc: "2.0", id, method: "eth_chainId", params: [] });
const ethCall = (id: number) => ({
  jsonrpc: "2.0",
  id,
  method: "eth_call",
  params: [{ to: "0x0000000000000000000000000000000000000001", data: "0x" }],
});

/** Polls `probe` until it gives a value (not null), for things the server does on its own time. */
async function eventually<T>(probe: () => Promise<T | null>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error("the condition never held");
    await new Promise((r) => setTimeout(r, 20));
  }
}

function one(reply: Reply): RpcMessage {
  assert.ok(!Array.isArray(reply.body), "expected one response");
  return reply.body as RpcMessage;
}

async function serve(t: TestContext, opts: Parameters<typeof startRpc>[2]) {
  const backend = new FakeRpcBackend({ alloc: {} });
  backend.mine();
  const started = await startRpc(t, backend, opts);
  return { ...started, backend, url: started.server.url };
}

describe("clientKey", () => {
  it("keys IPv4 by address, IPv4-mapped IPv6 as IPv4, and IPv6 by its /64", () => {
    assert.equal(clientKey("203.0.113.7"), "203.0.113.7");
    assert.equal(clientKey("::ffff:203.0.113.7"), "203.0.113.7");
    assert.equal(clientKey("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
    assert.equal(clientKey("2001:db8:1:2:bbbb:cccc:dddd:eeee"), "2001:db8:1:2::/64");
    assert.equal(clientKey("2001:0db8:0001:0002::9"), "2001:db8:1:2::/64");
    assert.equal(clientKey("::1"), "::1");
    assert.equal(clientKey(undefined), "unknown");
  });
});

describe("per-client RPC limits", () => {
  it("rate limits a flooding client with -32005, 429 and a retry hint, while another client is served", async (t) => {
    const { url, limited, backend } = await serve(t, {
      exemptLoopback: false,
      ratePerSecond: 2,
      rateBurst: 10,
    });
    const started = performance.now();
    const flood = await Promise.all(
      Array.from({ length: 40 }, (_, i) => postFrom(url, "127.0.0.2", chainId(i))),
    );
    // The burst, plus what the bucket refilled while the flood lasted (long on a loaded machine).
    const refilled = Math.ceil(((performance.now() - started) / 1000) * 2);
    const served = flood.filter((r) => r.status === 200);
    const refused = flood.filter((r) => r.status === 429);
    assert.ok(
      served.length >= 10 && served.length <= 10 + refilled,
      `the burst is served (${served.length})`,
    );
    assert.equal(served.length + refused.length, 40);
    for (const reply of refused) {
      const message = one(reply);
      assert.equal(message.error?.code, -32005);
      assert.match(message.error?.message ?? "", /rate limit exceeded/);
      const hint = (message.error?.data as { retryAfterMs: number } | undefined)?.retryAfterMs ?? 0;
      assert.ok(hint > 0 && hint <= 1000, `retry hint ${hint} ms`);
      assert.ok(Number(reply.retryAfter) >= 1, "HTTP Retry-After in seconds");
      assert.equal(typeof message.id, "number", "the refusal answers the request's id");
    }
    // The other client has its own bucket.
    for (let i = 0; i < 8; i++) {
      const reply = await postFrom(url, "127.0.0.3", chainId(i));
      assert.equal(reply.status, 200);
      assert.equal(one(reply).result, `0x${backend.chain.chainId.toString(16)}`);
    }
    assert.equal(limited.filter((l) => l === "rate").length, refused.length, "each refusal is counted");
    // Other paths cost the client a request too: its bucket is empty, so /health is refused as well.
    const health = await new Promise<number>((resolve, reject) => {
      request(`${url}health`, { localAddress: "127.0.0.2", agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on("error", reject)
        .end();
    });
    assert.equal(health, 429);
  });

  it("charges a batch one token per request", async (t) => {
    const { url } = await serve(t, { exemptLoopback: false, ratePerSecond: 1, rateBurst: 5 });
    const batch = Array.from({ length: 6 }, (_, i) => chainId(i));
    const refused = await postFrom(url, "127.0.0.4", batch);
    assert.equal(refused.status, 429);
    assert.equal(one(refused).error?.code, -32005);
    const fits = await postFrom(url, "127.0.0.4", batch.slice(0, 5));
    assert.equal(fits.status, 200);
    assert.equal((fits.body as RpcMessage[]).length, 5);
  });

  it("exempts loopback clients when configured (the default)", async (t) => {
    const { url } = await serve(t, { ratePerSecond: 1, rateBurst: 1 });
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => postFrom(url, "127.0.0.1", chainId(i))),
    );
    assert.deepEqual(
      replies.map((r) => r.status),
      Array(20).fill(200),
    );
  });

  it("applies the client's rate to its WebSocket requests", async (t) => {
    // A bucket that barely refills, so the count does not depend on how fast the machine is.
    const { server, backend } = await serve(t, { exemptLoopback: false, ratePerSecond: 0.001, rateBurst: 3 });
    const ws = new WebSocket(server.wsUrl, { localAddress: "127.0.0.5" });
    t.after(() => ws.terminate());
    await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
    const replies: RpcMessage[] = [];
    const all = new Promise<void>((resolve) =>
      ws.on("message", (data) => {
        replies.push(JSON.parse(String(data)) as RpcMessage);
        if (replies.length === 6) resolve();
      }),
    );
    for (let i = 0; i < 6; i++) ws.send(JSON.stringify(chainId(i)));
    await all;
    assert.equal(replies.filter((r) => r.result === `0x${backend.chain.chainId.toString(16)}`).length, 3);
    assert.equal(replies.filter((r) => r.error?.code === -32005).length, 3);
  });

  it("caps the connections one client holds, not another's", async (t) => {
    const { server, limited } = await serve(t, { exemptLoopback: false, maxConnectionsPerClient: 2 });
    const port = server.port;
    const open = (from: string) =>
      new Promise<Socket>((resolve, reject) => {
        const socket = connect({ host: "127.0.0.1", port, localAddress: from }, () => resolve(socket));
        socket.on("error", reject);
      });
    const held = [await open("127.0.0.6"), await open("127.0.0.6")];
    t.after(() => {
      for (const s of held) s.destroy();
    });
    const third = await open("127.0.0.6");
    await new Promise((resolve) => third.once("close", resolve));
    assert.deepEqual(limited, ["client-connections"]);
    const other = await postFrom(server.url, "127.0.0.7", chainId(1));
    assert.equal(other.status, 200);
    // A closed connection frees its place.
    held.pop()?.destroy();
    const again = await eventually(() => postFrom(server.url, "127.0.0.6", chainId(2)).catch(() => null));
    assert.equal(again.status, 200);
  });
});

describe("bounded request work", () => {
  it("answers a request that outlives its deadline with -32005 and stops waiting for it", async (t) => {
    const { url, backend, limited } = await serve(t, { requestTimeoutMs: 200 });
    let budgetSpent = false;
    // Work that checks its budget, as the EVM and the log scan do: it stops with WorkTimeoutError when spent.
    backend.call = (_req: CallRequest, budget: WorkBudget) =>
      new Promise<CallOutcome>((_resolve, reject) => {
        const poll = setInterval(() => {
          try {
            budget.check();
          } catch (err) {
            budgetSpent = true;
            clearInterval(poll);
            reject(err);
          }
        }, 10);
      });
    const reply = one(await postFrom(url, "127.0.0.1", ethCall(9)));
    assert.equal(reply.id, 9);
    assert.equal(reply.error?.code, -32005);
    assert.match(reply.error?.message ?? "", /timed out: the limit is 200 ms/);
    assert.deepEqual(limited, ["timeout"]);
    await eventually(async () => budgetSpent || null);
  });

  it("runs a few EVM calls at a time and refuses past the queue with a retry hint", async (t) => {
    const { url, backend, limited } = await serve(t, { maxConcurrentCalls: 1, maxQueuedCalls: 1 });
    let running = 0;
    let peak = 0;
    const releases: (() => void)[] = [];
    backend.call = () =>
      new Promise<CallOutcome>((resolve) => {
        running++;
        peak = Math.max(peak, running);
        releases.push(() => {
          running--;
          resolve({ ok: true, returnData: "0x01", gasUsed: 0n });
        });
      });
    const first = postFrom(url, "127.0.0.1", ethCall(1));
    const second = postFrom(url, "127.0.0.1", ethCall(2));
    while (releases.length < 1) await new Promise((r) => setTimeout(r, 5));
    const third = one(await postFrom(url, "127.0.0.1", ethCall(3)));
    assert.equal(third.error?.code, -32005);
    assert.match(third.error?.message ?? "", /too many heavy calls in progress/);
    assert.deepEqual(third.error?.data, { retryAfterMs: 1000 });
    assert.deepEqual(limited, ["heavy-calls"]);
    releases.shift()?.();
    while (releases.length < 1) await new Promise((r) => setTimeout(r, 5));
    releases.shift()?.();
    assert.equal(one(await first).result, "0x01");
    assert.equal(one(await second).result, "0x01");
    assert.equal(peak, 1, "one call at a time");
  });
});

describe("clients that go away", () => {
  it("a body cut off mid-way is a debug line, not an error, and the server goes on", async (t) => {
    const { server, logger } = await serve(t, {});
    const socket = connect({ host: "127.0.0.1", port: server.port });
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write(
      "POST / HTTP/1.1\r\nHost: node\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
    );
    socket.destroy();
    await eventually(
      async () => logger.entries.some((e) => e.level === "debug" && /went away/.test(e.msg ?? "")) || null,
    );
    assert.deepEqual(logger.errors(), []);
    assert.equal((await postFrom(server.url, "127.0.0.1", chainId(1))).status, 200);
  });

  it("oversized headers are answered 431, as Node answers them", async (t) => {
    const { server } = await serve(t, {});
    const socket = connect({ host: "127.0.0.1", port: server.port });
    const chunks: Buffer[] = [];
    socket.on("data", (c: Buffer) => chunks.push(c));
    const closed = new Promise((resolve) => socket.once("close", resolve));
    socket.write(`POST / HTTP/1.1\r\nHost: node\r\nX-Big: ${"b".repeat(64 * 1024)}\r\n\r\n`);
    await closed;
    assert.match(Buffer.concat(chunks).toString(), /^HTTP\/1\.1 431 /);
  });
});
