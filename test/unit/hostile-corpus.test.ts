import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { keccak256, Transaction, Wallet } from "ethers";
import { FakeRpcBackend } from "../helpers/rpcBackend.ts";
import { startRpc } from "../helpers/rpcServer.ts";
import { type HostileCase, requestCount, type SlowLorisCase } from "../hostile/cases.ts";
import { rawOf } from "../hostile/context.ts";
import { buildCorpus, type CorpusOptions } from "../hostile/corpus.ts";
import { runCorpus, summarize } from "../hostile/driver.ts";
import { judgeHttp, judgeWsResponses } from "../hostile/judge.ts";

const OPTIONS: CorpusOptions = {
  chainId: 7447n,
  baseFee: 1_000_000_000n,
  replay: [],
  funded: null,
  slowLorisSockets: 0,
  slowLorisCloseWithinMs: 0,
};

const single = (codes: number[], resultOk = false) => ({
  status: 200,
  answer: { kind: "single" as const, codes, resultOk },
});

describe("the hostile corpus", () => {
  it("holds over 1,000 requests in uniquely named cases, none expecting an internal error", () => {
    const cases = buildCorpus({ ...OPTIONS, slowLorisSockets: 50, slowLorisCloseWithinMs: 75_000 });
    const requests = cases.reduce((n, c) => n + requestCount(c), 0);
    assert.ok(requests >= 1_000, `${requests} requests`);
    const names = cases.map((c) => `${c.family}/${c.name}`);
    assert.equal(new Set(names).size, names.length, "case names are unique");
    for (const c of cases) {
      if (c.transport !== "http" || c.expect.answer.kind === "none") continue;
      assert.ok(!c.expect.answer.codes.includes(-32603), c.name);
    }
    const families = new Set(cases.map((c) => c.family));
    for (const f of [
      "bad-json",
      "bad-params",
      "deep-nesting",
      "batches",
      "oversized",
      "transactions",
      "websocket",
    ])
      assert.ok(families.has(f), f);
    assert.deepEqual(
      cases.flatMap((c) => (c.transport === "slowloris" ? [`${c.trickle} ${c.sockets}`] : [])),
      ["headers 50", "body 10"],
    );
  });

  it("replays the committed transactions it is given and signs nonce cases with a funded key", () => {
    const funded = { key: `0x${"11".repeat(32)}`, nonce: 2 };
    const cases = buildCorpus({ ...OPTIONS, replay: ["0x02aa", "0x02bb"], funded });
    const names = cases.map((c) => c.name);
    assert.ok(names.includes("replay of committed transaction 1"));
    assert.ok(names.includes("nonce too low (1)"));
    assert.ok(!names.includes("nonce too low (2)"));
  });
});

describe("judging answers", () => {
  it("refuses an internal error even when its code is listed", () => {
    const text = JSON.stringify({ jsonrpc: "2.0", id: 1, error: { code: -32603, message: "x" } });
    assert.match(judgeHttp({ status: 200, text }, single([-32603])) ?? "", /internal error/);
  });

  it("tells a wrong code, a wrong status, a result where an error was due and a short batch", () => {
    const err = (code: number) => ({ jsonrpc: "2.0", id: 1, error: { code, message: "x" } });
    assert.match(
      judgeHttp({ status: 200, text: JSON.stringify(err(-32600)) }, single([-32602])) ?? "",
      /-32600/,
    );
    assert.match(judgeHttp({ status: 500, text: "" }, single([-32602])) ?? "", /HTTP 500/);
    const result = JSON.stringify({ jsonrpc: "2.0", id: 1, result: "0x1" });
    assert.match(judgeHttp({ status: 200, text: result }, single([-32602])) ?? "", /a result/);
    assert.equal(judgeHttp({ status: 200, text: result }, single([], true)), null);
    const batch = {
      status: 200,
      answer: { kind: "batch" as const, length: 3, codes: [-32600], resultOk: false },
    };
    assert.match(judgeHttp({ status: 200, text: JSON.stringify([err(-32600)]) }, batch) ?? "", /1 responses/);
    assert.equal(
      judgeHttp({ status: 200, text: JSON.stringify([1, 2, 3].map(() => err(-32600))) }, batch),
      null,
    );
    assert.match(judgeHttp({ status: 200, text: "not json" }, single([-32700])) ?? "", /not JSON/);
  });

  it("compares WebSocket answers as a multiset of codes plus a count of results", () => {
    const e = (code: number) => ({ jsonrpc: "2.0", id: 1, error: { code } });
    const r = { jsonrpc: "2.0", id: 1, result: true };
    assert.equal(
      judgeWsResponses([e(-32005), r, e(-32700)], { errorCodes: [-32700, -32005], results: 1 }),
      null,
    );
    assert.ok(judgeWsResponses([e(-32005), r], { errorCodes: [-32700], results: 1 }) !== null);
    assert.ok(judgeWsResponses([r, r], { errorCodes: [], results: 1 }) !== null);
  });
});

describe("the corpus against an in-process RPC server", () => {
  it("gets the expected answer to every case that does not depend on chain state, and changes nothing", async (t) => {
    const backend = new FakeRpcBackend({ alloc: {} });
    const { server, logger } = await startRpc(t, backend);
    const stateless = new Set([
      "bad-json",
      "envelope",
      "unknown-methods",
      "bad-params",
      "deep-nesting",
      "oversized",
      "http",
      "raw-http",
      "websocket",
    ]);
    const cases: HostileCase[] = buildCorpus(OPTIONS).filter((c) => stateless.has(c.family));
    const outcomes = await runCorpus(cases, { urls: [server.url], concurrency: 4, answerTimeoutMs: 20_000 });
    const unexpected = outcomes.filter((o) => o.unexpected !== null);
    assert.deepEqual(
      unexpected.map((o) => `${o.family}/${o.name}: ${o.unexpected}`),
      [],
      "every case answered as expected",
    );
    assert.equal(
      summarize(outcomes).reduce((n, s) => n + s.asExpected, 0),
      cases.length,
    );
    // Forged deposit claims with bad fields never reach the backend, and no method failed inside.
    assert.equal(backend.submittedClaims.length, 0);
    assert.deepEqual(
      logger.errors().filter((e) => e.msg === "rpc method failed"),
      [],
    );
  });
});

describe("the slow-loris driver", () => {
  const serve = async (
    t: { after(fn: () => unknown): void },
    timeouts: { headers: number; request: number },
  ) => {
    const server: Server = createServer(
      {
        headersTimeout: timeouts.headers,
        requestTimeout: timeouts.request,
        connectionsCheckingInterval: 200,
      },
      (_req, res) => res.end('{"jsonrpc":"2.0","id":1,"result":"0x1"}'),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    t.after(() => {
      server.closeAllConnections();
      server.close();
    });
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  };
  const cases = (closeWithinMs: number): SlowLorisCase[] =>
    (["headers", "body"] as const).map((trickle) => ({
      transport: "slowloris",
      family: "slow-loris",
      name: trickle,
      trickle,
      sockets: 5,
      closeWithinMs,
    }));

  it("passes a server that closes slow requests by its timeouts and serves others meanwhile", async (t) => {
    const url = await serve(t, { headers: 1_000, request: 1_500 });
    const outcomes = await runCorpus(cases(6_000), { urls: [url], concurrency: 1, answerTimeoutMs: 5_000 });
    assert.deepEqual(
      outcomes.map((o) => o.unexpected),
      [null, null],
    );
  });

  it("fails a server that keeps them open", async (t) => {
    const url = await serve(t, { headers: 0, request: 0 });
    const outcomes = await runCorpus(cases(2_500), { urls: [url], concurrency: 1, answerTimeoutMs: 5_000 });
    for (const o of outcomes) assert.match(o.unexpected ?? "", /5 of 5 slow connections still open/);
  });
});

describe("rebuilding a committed transaction's bytes from its JSON", () => {
  const hex = (v: bigint | number) => `0x${v.toString(16)}`;
  for (const type of [0, 2]) {
    it(`gives back the signed bytes of a type-${type} transaction, and null when the hash does not match`, async () => {
      const wallet = new Wallet(`0x${"42".repeat(32)}`);
      const raw = await wallet.signTransaction({
        type,
        chainId: 7447n,
        nonce: 5,
        gasLimit: 21_000n,
        to: "0x000000000000000000000000000000000000dEaD",
        value: 12_345n,
        data: "0xabcd",
        ...(type === 2
          ? { maxFeePerGas: 2_000_000_000n, maxPriorityFeePerGas: 1n }
          : { gasPrice: 1_000_000_000n }),
      });
      const tx = Transaction.from(raw);
      const sig = tx.signature;
      assert.ok(sig);
      const json = {
        hash: keccak256(raw),
        type: hex(type),
        chainId: hex(tx.chainId),
        nonce: hex(tx.nonce),
        gas: hex(tx.gasLimit),
        to: tx.to,
        value: hex(tx.value),
        input: tx.data,
        ...(type === 2
          ? {
              maxFeePerGas: hex(tx.maxFeePerGas ?? 0n),
              maxPriorityFeePerGas: hex(tx.maxPriorityFeePerGas ?? 0n),
              accessList: [],
            }
          : { gasPrice: hex(tx.gasPrice ?? 0n) }),
        r: sig.r,
        s: sig.s,
        v: hex(type === 2 ? sig.yParity : (sig.networkV ?? BigInt(sig.v))),
      };
      assert.equal(rawOf(json), raw);
      assert.equal(rawOf({ ...json, hash: `0x${"00".repeat(32)}` }), null);
    });
  }
});
