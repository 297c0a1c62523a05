import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { Interface, toQuantity } from "ethers";
import { type Address, type Hex, ZERO_HASH } from "../../node/crypto/index.ts";
import { ClaimPool, createDepositConfirmer, DepositIntake } from "../../node/deposits/index.ts";
import {
  type CheckpointSubmission,
  CheckpointTracker,
  createL1Reader,
  DEFAULT_L1_GATE,
  type L1Call,
  type L1Reader,
  type L1ReaderOptions,
  L1UnavailableError,
  openL1Link,
} from "../../node/l1/index.ts";
import { NodeMetrics } from "../../node/observability/metrics.ts";
import { CHECKPOINT_MANAGER_ABI, depositHash, L1_BRIDGE_ABI } from "../../node/types/index.ts";
import { errorMessage } from "../../node/util/errors.ts";
import { testClaim } from "../helpers/deposits.ts";

const BRIDGE: Address = "0x00000000000000000000000000000000000b0001";
const MANAGER: Address = "0x00000000000000000000000000000000000b0002";
const L1_CHAIN_ID = 31337n;
const bridgeAbi = new Interface(L1_BRIDGE_ABI);
const managerAbi = new Interface(CHECKPOINT_MANAGER_ABI);

interface Call {
  method: string;
  params: unknown[];
}

/** A tiny L1 node over HTTP JSON-RPC: just what the reader asks, with switches for failures. */
class FakeL1 {
  chainId = L1_CHAIN_ID;
  latest = 100;
  finalized: number | null = 90;
  /** Bridge.depositHash by nonce, the same at every block. */
  readonly hashes = new Map<bigint, Hex>();
  readonly submissions: CheckpointSubmission[] = [];
  readonly calls: Call[] = [];
  /** Methods that get no answer at all (the request hangs). */
  readonly hang = new Set<string>();
  /** Methods answered with a JSON-RPC error. */
  readonly errors = new Set<string>();
  private readonly server: Server;
  private readonly waiting = new Set<ServerResponse>();

  constructor() {
    this.server = createServer((req, res) => this.handle(req, res));
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const res of this.waiting) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  callsOf(method: string): Call[] {
    return this.calls.filter((c) => c.method === method);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      const parsed = JSON.parse(body) as { id: number; method: string; params: unknown[] };
      const one = (r: { id: number; method: string; params: unknown[] }) => {
        this.calls.push({ method: r.method, params: r.params });
        try {
          return { jsonrpc: "2.0", id: r.id, result: this.answer(r.method, r.params) };
        } catch (err) {
          return { jsonrpc: "2.0", id: r.id, error: { code: -32000, message: errorMessage(err) } };
        }
      };
      const requests = Array.isArray(parsed) ? parsed : [parsed];
      if (requests.some((r) => this.hang.has(r.method))) {
        for (const r of requests) this.calls.push({ method: r.method, params: r.params });
        this.waiting.add(res);
        return;
      }
      const reply = Array.isArray(parsed) ? parsed.map(one) : one(parsed);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(reply));
    });
  }

  private answer(method: string, params: unknown[]): unknown {
    if (this.errors.has(method)) throw new Error("header not found");
    switch (method) {
      case "eth_chainId":
        return toQuantity(this.chainId);
      case "eth_blockNumber":
        return toQuantity(this.latest);
      case "eth_getBlockByNumber": {
        const tag = params[0];
        const number = tag === "finalized" ? this.finalized : tag === "latest" ? this.latest : null;
        return number === null ? null : block(number);
      }
      case "eth_call": {
        const tx = params[0] as { to: string; data: string };
        if (tx.to.toLowerCase() !== BRIDGE) throw new Error(`no code at ${tx.to}`);
        const call = bridgeAbi.parseTransaction({ data: tx.data });
        if (call?.name !== "depositHash") throw new Error("execution reverted");
        const nonce = call.args[0] as bigint;
        return bridgeAbi.encodeFunctionResult("depositHash", [this.hashes.get(nonce) ?? ZERO_HASH]);
      }
      case "eth_getLogs": {
        const filter = params[0] as { address: string; fromBlock: string; toBlock: string };
        if (filter.address.toLowerCase() !== MANAGER) return [];
        const from = Number(filter.fromBlock);
        const to = Number(filter.toBlock);
        return this.submissions
          .filter((s) => s.blockNumber >= from && s.blockNumber <= to)
          .map((s, i) => {
            const event = managerAbi.getEvent("CheckpointSubmitted");
            assert.ok(event);
            const log = managerAbi.encodeEventLog(event, [
              s.number,
              (s.number - 1) * 4 + 1,
              s.number * 4,
              `0x${"11".repeat(32)}`,
              `0x${"22".repeat(32)}`,
              `0x${"33".repeat(32)}`,
            ]);
            return {
              address: MANAGER,
              blockHash: `0x${s.blockNumber.toString(16).padStart(64, "b")}`,
              blockNumber: toQuantity(s.blockNumber),
              data: log.data,
              logIndex: toQuantity(i),
              removed: false,
              topics: log.topics,
              transactionHash: s.txHash.toUpperCase().replace("0X", "0x"),
              transactionIndex: "0x0",
            };
          });
      }
      default:
        throw new Error(`method ${method} not supported`);
    }
  }
}

function block(number: number) {
  return {
    hash: `0x${number.toString(16).padStart(64, "a")}`,
    parentHash: `0x${Math.max(0, number - 1)
      .toString(16)
      .padStart(64, "a")}`,
    number: toQuantity(number),
    timestamp: toQuantity(1_700_000_000 + number * 12),
    nonce: "0x0000000000000000",
    difficulty: "0x0",
    gasLimit: toQuantity(30_000_000),
    gasUsed: "0x0",
    miner: `0x${"00".repeat(20)}`,
    extraData: "0x",
    baseFeePerGas: toQuantity(1_000_000_000),
    transactions: [],
  };
}

// A promise rejection nobody handles would mean a timed-out L1 request escaped its caller.
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
before(() => process.on("unhandledRejection", onUnhandled));
after(() => {
  process.off("unhandledRejection", onUnhandled);
  assert.deepEqual(unhandled, [], "no unhandled rejection");
});

const readers: L1Reader[] = [];
const servers: FakeL1[] = [];
after(async () => {
  for (const r of readers) r.close();
  for (const s of servers) await s.close();
});

async function startL1(): Promise<{ l1: FakeL1; url: string }> {
  const l1 = new FakeL1();
  servers.push(l1);
  return { l1, url: await l1.start() };
}

async function reader(url: string, opts: Partial<L1ReaderOptions> = {}): Promise<L1Reader> {
  const r = await createL1Reader({
    url,
    chainId: L1_CHAIN_ID,
    bridge: BRIDGE,
    checkpointManager: MANAGER,
    confirmations: 5,
    timeoutMs: 2_000,
    ...opts,
  });
  readers.push(r);
  return r;
}

const rejectsUnavailable = (p: Promise<unknown>, message: RegExp) =>
  assert.rejects(p, (err: unknown) => err instanceof L1UnavailableError && message.test(err.message));

describe("createL1Reader", () => {
  it("reads Bridge.depositHash at latest - confirmations", async () => {
    const { l1, url } = await startL1();
    const claim = testClaim(3n);
    l1.hashes.set(3n, depositHash(claim));
    l1.latest = 100;
    const r = await reader(url, { confirmations: 5 });
    assert.equal(await r.confirmedDepositHash(3n), depositHash(claim));
    const [call] = l1.callsOf("eth_call");
    assert.ok(call);
    assert.equal(call.params[1], toQuantity(95), "eth_call at latest - 5");
    assert.equal(await r.confirmedDepositHash(4n), ZERO_HASH, "no deposit 4 on L1");
    assert.equal(await r.confirmedBlock(), 95);
    assert.equal(await r.latestBlock(), 100);
    assert.equal(l1.callsOf("eth_chainId").length, 1, "the chain id is checked once");
    assert.equal(l1.callsOf("eth_getBlockByNumber").length, 0, "no finalized tag with confirmations > 0");
  });

  it("does not go below block 0 while L1 is younger than the confirmation depth", async () => {
    const { l1, url } = await startL1();
    l1.latest = 3;
    assert.equal(await (await reader(url, { confirmations: 12 })).confirmedBlock(), 0);
  });

  it("with confirmations 0 reads at the finalized block, and fails while L1 has none", async () => {
    const { l1, url } = await startL1();
    l1.latest = 100;
    l1.finalized = 64;
    l1.hashes.set(0n, depositHash(testClaim(0n)));
    const r = await reader(url, { confirmations: 0 });
    assert.equal(await r.confirmedDepositHash(0n), depositHash(testClaim(0n)));
    const [call] = l1.callsOf("eth_call");
    assert.equal(call?.params[1], toQuantity(64), "eth_call at the finalized block");
    assert.equal(l1.callsOf("eth_getBlockByNumber")[0]?.params[0], "finalized");
    assert.equal(await r.confirmedBlock(), 64);

    const { l1: young, url: youngUrl } = await startL1();
    young.finalized = null;
    await rejectsUnavailable(
      (await reader(youngUrl, { confirmations: 0 })).confirmedBlock(),
      /no finalized block/,
    );
    assert.equal(young.callsOf("eth_call").length, 0);
  });

  it("refuses an L1 with another chain id, for every read", async () => {
    const { l1, url } = await startL1();
    l1.chainId = 1n;
    l1.hashes.set(0n, depositHash(testClaim(0n)));
    const r = await reader(url);
    await rejectsUnavailable(r.confirmedDepositHash(0n), /chain id 1, genesis says 31337/);
    await rejectsUnavailable(r.latestBlock(), /chain id 1/);
    await rejectsUnavailable(r.checkpointSubmissions(0, 10), /chain id 1/);
    assert.equal(l1.callsOf("eth_call").length, 0, "nothing is read from the wrong chain");
    assert.equal(l1.callsOf("eth_getLogs").length, 0);
  });

  it("turns an L1 JSON-RPC error into L1UnavailableError", async () => {
    const { l1, url } = await startL1();
    l1.errors.add("eth_blockNumber");
    l1.errors.add("eth_getLogs");
    const r = await reader(url);
    await rejectsUnavailable(r.latestBlock(), /^L1 block number: .*header not found/);
    await rejectsUnavailable(r.confirmedDepositHash(0n), /^L1 depositHash\(0\): .*header not found/);
    await rejectsUnavailable(
      r.checkpointSubmissions(0, 10),
      /^L1 CheckpointSubmitted logs: .*header not found/,
    );
    assert.equal(l1.callsOf("eth_call").length, 0, "no eth_call without a confirmed block to read at");
  });

  it("fails with L1UnavailableError when nothing listens at the URL", async () => {
    const { l1, url } = await startL1();
    await l1.close();
    const r = await reader(url, { timeoutMs: 5_000 });
    const started = Date.now();
    await rejectsUnavailable(r.confirmedDepositHash(0n), /^L1 depositHash\(0\): /);
    await rejectsUnavailable(r.latestBlock(), /^L1 block number: /);
    assert.ok(Date.now() - started < 4_000, "a refused connection fails fast, not at the timeout");
  });

  // ethers shares an identical request for 250 ms, so a timeout above that makes the retry a new request.
  it("gives up after timeoutMs when L1 hangs, before or after the chain id check", async () => {
    const { l1, url } = await startL1();
    l1.hang.add("eth_chainId");
    const r = await reader(url, { timeoutMs: 300 });
    let started = Date.now();
    await rejectsUnavailable(r.latestBlock(), /timed out after 300 ms/);
    assert.ok(Date.now() - started < 1_500);

    const { l1: slow, url: slowUrl } = await startL1();
    const s = await reader(slowUrl, { timeoutMs: 300 });
    assert.equal(await s.latestBlock(), 100);
    slow.hang.add("eth_call");
    started = Date.now();
    await rejectsUnavailable(s.confirmedDepositHash(1n), /^L1 depositHash\(1\): timed out after 300 ms/);
    assert.ok(Date.now() - started < 1_500);
    slow.hang.delete("eth_call");
    slow.hashes.set(1n, depositHash(testClaim(1n)));
    assert.equal(await s.confirmedDepositHash(1n), depositHash(testClaim(1n)), "it answers once L1 does");
  });

  it("parses CheckpointSubmitted logs in a block range", async () => {
    const { l1, url } = await startL1();
    const tx = (n: number) => `0x${n.toString(16).padStart(64, "c")}` as Hex;
    l1.submissions.push(
      { number: 1, txHash: tx(1), blockNumber: 10 },
      { number: 2, txHash: tx(2), blockNumber: 30 },
      { number: 3, txHash: tx(3), blockNumber: 51 },
    );
    const r = await reader(url);
    assert.deepEqual(await r.checkpointSubmissions(10, 50), [
      { number: 1, txHash: tx(1), blockNumber: 10 },
      { number: 2, txHash: tx(2), blockNumber: 30 },
    ]);
    const [query] = l1.callsOf("eth_getLogs");
    const filter = query?.params[0] as { fromBlock: string; toBlock: string; topics: string[] };
    assert.equal(filter.fromBlock, toQuantity(10));
    assert.equal(filter.toBlock, toQuantity(50));
    assert.equal(filter.topics[0], managerAbi.getEvent("CheckpointSubmitted")?.topicHash);
    assert.deepEqual(await r.checkpointSubmissions(52, 60), []);
  });
});

describe("L1 request accounting", () => {
  it("tells onRequest of every JSON-RPC request, by call; depositHashAt is one eth_call at the block given", async () => {
    const { l1, url } = await startL1();
    const seen: L1Call[] = [];
    const r = await reader(url, { confirmations: 5, onRequest: (call) => seen.push(call) });
    l1.hashes.set(3n, depositHash(testClaim(3n)));
    assert.equal(await r.latestBlock(), 100);
    assert.deepEqual(seen, ["chainId", "blockNumber"]);
    assert.equal(await r.depositHashAt(3n, 42), depositHash(testClaim(3n)));
    assert.equal(l1.callsOf("eth_call")[0]?.params[1], toQuantity(42));
    assert.deepEqual(seen.slice(2), ["depositHash"], "no block number: the caller gave the block");
    await r.confirmedDepositHash(3n);
    await r.checkpointSubmissions(0, 10);
    assert.deepEqual(seen.slice(3), ["blockNumber", "depositHash", "checkpointLogs"]);

    const f = await reader(url, { confirmations: 0, onRequest: (call) => seen.push(call) });
    await f.confirmedBlock();
    assert.deepEqual(seen.slice(6), ["chainId", "finalizedBlock"]);
    assert.equal(seen.length, l1.calls.length, "every request the L1 saw was counted");
  });

  it("through openL1Link, 1,000 identical forged claims cost one depositHash request per L1 block (by the metric)", async () => {
    const { l1, url } = await startL1();
    const metrics = new NodeMetrics();
    const link = await openL1Link(
      url,
      {
        chainId: L1_CHAIN_ID,
        bridge: BRIDGE,
        checkpointManager: MANAGER,
        confirmations: 5,
        deploymentBlock: 0,
      },
      { onRequest: (call) => metrics.l1Requests.inc({ call }), onBusy: () => metrics.l1Busy.inc() },
    );
    readers.push(link.reader);
    const requests = async () => {
      const byCall: Record<string, number> = {};
      for (const v of (await metrics.l1Requests.get()).values) byCall[String(v.labels.call)] = v.value;
      return byCall;
    };
    const intake = new DepositIntake({
      pool: new ClaimPool(() => 0n),
      confirmer: createDepositConfirmer(link.reader),
      publish: () => {},
    });
    const forged = testClaim(7n);
    const submitAll = () => Promise.all(Array.from({ length: 1_000 }, () => intake.submit(forged)));
    for (const r of await submitAll()) assert.equal(r.ok, false);
    assert.deepEqual(await requests(), { chainId: 1, blockNumber: 1, depositHash: 1 });
    for (let i = 0; i < 100; i++) assert.equal((await intake.submit(forged)).ok, false);
    assert.equal((await requests()).depositHash, 1, "one after another, within the same L1 block");

    l1.latest++;
    await new Promise((resolve) => setTimeout(resolve, DEFAULT_L1_GATE.headTtlMs + 50));
    for (const r of await submitAll()) assert.equal(r.ok, false);
    const after = await requests();
    assert.equal(after.depositHash, 2, "one more at the new L1 block");
    assert.equal(after.blockNumber, 2);
    assert.equal(l1.callsOf("eth_call").length, 2, "the metric counts what L1 saw");
    assert.equal(
      (await metrics.l1Busy.get()).values[0]?.value ?? 0,
      0,
      "identical claims take no queue places",
    );
  });
});

/** A scripted L1 for the tracker: submissions by L1 block, the latest and the final block, and a failure switch. */
class TrackerL1 {
  latest = 0;
  confirmed = 0;
  readonly submissions: CheckpointSubmission[] = [];
  readonly ranges: [number, number][] = [];
  /** Fail the log query whose start block is at least this (or every call when 0). */
  failFrom: number | null = null;

  private check(start = 0): void {
    if (this.failFrom !== null && start >= this.failFrom) throw new L1UnavailableError("L1: timed out");
  }

  async latestBlock(): Promise<number> {
    this.check();
    return this.latest;
  }

  async confirmedBlock(): Promise<number> {
    this.check();
    return this.confirmed;
  }

  async checkpointSubmissions(from: number, to: number): Promise<CheckpointSubmission[]> {
    this.check(from);
    this.ranges.push([from, to]);
    return this.submissions.filter((s) => s.blockNumber >= from && s.blockNumber <= to);
  }
}

const txHash = (n: number) => `0x${n.toString(16).padStart(64, "d")}` as Hex;

describe("CheckpointTracker", () => {
  it("moves a checkpoint from pending to submitted to confirmed as L1 finalizes it", async () => {
    const l1 = new TrackerL1();
    const tracker = new CheckpointTracker(10, l1);
    assert.deepEqual(tracker.status(1), { status: "pending", txHash: null }, "before any refresh");
    l1.latest = 20;
    l1.confirmed = 8;
    await tracker.refresh();
    assert.deepEqual(tracker.status(1), { status: "pending", txHash: null });
    assert.equal(tracker.lastSubmitted(), 0);
    l1.submissions.push({ number: 1, txHash: txHash(1), blockNumber: 25 });
    l1.latest = 30;
    l1.confirmed = 24;
    await tracker.refresh();
    assert.deepEqual(tracker.status(1), { status: "submitted", txHash: txHash(1) });
    assert.deepEqual(tracker.status(2), { status: "pending", txHash: null });
    assert.equal(tracker.lastSubmitted(), 1);
    l1.confirmed = 25;
    await tracker.refresh();
    assert.deepEqual(tracker.status(1), { status: "confirmed", txHash: txHash(1) });
  });

  it("keeps what it had when a refresh fails, and catches up on the next one", async () => {
    const l1 = new TrackerL1();
    const tracker = new CheckpointTracker(0, l1);
    l1.submissions.push({ number: 1, txHash: txHash(1), blockNumber: 5 });
    l1.latest = 10;
    l1.confirmed = 5;
    await tracker.refresh();
    assert.equal(tracker.status(1).status, "confirmed");
    l1.submissions.push({ number: 2, txHash: txHash(2), blockNumber: 12 });
    l1.latest = 15;
    l1.confirmed = 12;
    l1.failFrom = 0;
    await assert.rejects(tracker.refresh(), L1UnavailableError);
    assert.deepEqual(tracker.status(1), { status: "confirmed", txHash: txHash(1) });
    assert.deepEqual(tracker.status(2), { status: "pending", txHash: null });
    l1.failFrom = null;
    await tracker.refresh();
    assert.deepEqual(tracker.status(2), { status: "confirmed", txHash: txHash(2) });
  });

  it("scans from the deployment block in bounded ranges, resumes after a failed range, and rescans recent blocks", async () => {
    const l1 = new TrackerL1();
    const tracker = new CheckpointTracker(100, l1);
    l1.submissions.push(
      { number: 1, txHash: txHash(1), blockNumber: 150 },
      { number: 2, txHash: txHash(2), blockNumber: 7_000 },
    );
    l1.latest = 12_000;
    l1.confirmed = 11_000;
    l1.failFrom = 5_100;
    await assert.rejects(tracker.refresh(), L1UnavailableError);
    assert.deepEqual(l1.ranges, [[100, 5_099]], "nothing before the deployment block");
    assert.deepEqual(
      tracker.status(1),
      { status: "submitted", txHash: txHash(1) },
      "found in the range that was scanned; not confirmed, the final block was not read",
    );
    assert.equal(tracker.status(2).status, "pending", "in the range that failed");
    l1.failFrom = null;
    l1.ranges.length = 0;
    await tracker.refresh();
    assert.deepEqual(l1.ranges, [
      [5_100, 10_099],
      [10_100, 12_000],
    ]);
    assert.equal(tracker.status(1).status, "confirmed");
    assert.equal(tracker.status(2).status, "confirmed");

    // A reorg moved checkpoint 3's submission to another transaction a few blocks later.
    l1.submissions.push({ number: 3, txHash: txHash(3), blockNumber: 11_990 });
    l1.latest = 12_001;
    await tracker.refresh();
    assert.deepEqual(tracker.status(3), { status: "submitted", txHash: txHash(3) });
    l1.submissions.pop();
    l1.submissions.push({ number: 3, txHash: txHash(33), blockNumber: 11_995 });
    l1.ranges.length = 0;
    l1.latest = 12_002;
    l1.confirmed = 11_995;
    await tracker.refresh();
    assert.deepEqual(l1.ranges, [[12_002 - 64, 12_002]], "the last 64 blocks are scanned again");
    assert.deepEqual(tracker.status(3), { status: "confirmed", txHash: txHash(33) });
  });
});
