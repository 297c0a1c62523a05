import { Agent, request } from "node:http";
import { parseArgs } from "node:util";
import { errorMessage } from "../../node/util/errors.ts";
import { CLAIM } from "./params.ts";

/**
 * What a node's public limits do for its other clients, measured from outside against any running node:
 *   npm run hostile:flood -- --rpc http://127.0.0.1:8545 [--l1 http://127.0.0.1:8545] [--seconds 10]
 * Three phases, each beside a well-behaved bystander client (its own loopback address, 10 requests/s):
 * 1. one client floods eth_blockNumber as fast as it can;
 * 2. clients send eth_calls whose code spins until the gas runs out, four at a time;
 * 3. one client sends the same forged deposit claim, over and over.
 * Loopback addresses count as distinct clients; start the node with OUTRIGGER_RPC_EXEMPT_LOOPBACK=false, or
 * every client here is exempt and nothing is limited.
 */

interface Answer {
  status: number;
  code: number | null;
  ms: number;
}

const SPIN_INITCODE = "0x5b600056";

function post(url: string, agent: Agent, body: unknown): Promise<Answer> {
  const text = JSON.stringify(body);
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        method: "POST",
        agent,
        headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          let code: number | null = null;
          try {
            const parsed = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { error?: { code: number } };
            code = parsed.error?.code ?? null;
          } catch {}
          resolve({ status: res.statusCode ?? 0, code, ms: performance.now() - started });
        });
      },
    );
    req.on("error", () => resolve({ status: 0, code: null, ms: performance.now() - started }));
    req.end(text);
  });
}

function agentFrom(localAddress: string): Agent {
  return new Agent({ keepAlive: true, maxSockets: 64, localAddress });
}

const rpcBody = (method: string, params: unknown[] = []) => ({ jsonrpc: "2.0", id: 1, method, params });

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

interface Tally {
  sent: number;
  ok: number;
  limited: number;
  other: number;
  p50Ms: number;
  p99Ms: number;
}

function tally(answers: Answer[]): Tally {
  const ok = answers.filter((a) => a.status === 200 && a.code === null).length;
  const limited = answers.filter((a) => a.code === -32005 || a.status === 429).length;
  const ms = answers.map((a) => a.ms);
  return {
    sent: answers.length,
    ok,
    limited,
    other: answers.length - ok - limited,
    p50Ms: Math.round(percentile(ms, 50)),
    p99Ms: Math.round(percentile(ms, 99)),
  };
}

/** The bystander: 10 eth_blockNumber a second for the whole phase. */
async function bystander(url: string, until: number): Promise<Answer[]> {
  const agent = agentFrom("127.0.0.3");
  const answers: Answer[] = [];
  while (performance.now() < until) {
    answers.push(await post(url, agent, rpcBody("eth_blockNumber")));
    await new Promise((r) => setTimeout(r, 100));
  }
  agent.destroy();
  return answers;
}

async function flooding(url: string, from: string, until: number, inFlight: number, body: () => unknown) {
  const agent = agentFrom(from);
  const answers: Answer[] = [];
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < until) answers.push(await post(url, agent, body()));
    }),
  );
  agent.destroy();
  return answers;
}

async function height(url: string): Promise<number> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(rpcBody("eth_blockNumber")),
  });
  const { result } = (await res.json()) as { result?: string };
  if (result === undefined) throw new Error(`${url} did not answer eth_blockNumber`);
  return Number(result);
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(new URL("/metrics", url))).text();
  let sum = 0;
  for (const line of text.split("\n")) if (line.startsWith(name)) sum += Number(line.split(" ").at(-1));
  return sum;
}

/** The first deposit nonce the node has not minted: a claim for it is checked against L1. */
async function openNonce(url: string): Promise<number> {
  for (let nonce = 0; nonce < 10_000; nonce++) {
    const res = await fetch(url, {
      method: "POST",
      body: JSON.stringify(rpcBody("outrigger_deposit", [String(nonce)])),
    });
    const { result } = (await res.json()) as { result: { status?: string } | null };
    if (result === null || result.status !== "minted") return nonce;
  }
  throw new Error("no open deposit nonce below 10,000");
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { rpc: { type: "string" }, l1: { type: "string" }, seconds: { type: "string", default: "10" } },
  });
  if (values.rpc === undefined)
    throw new Error("usage: npm run hostile:flood -- --rpc <url> [--l1 <L1 url>] [--seconds N]");
  const url = values.rpc;
  const seconds = Number(values.seconds);
  const results: Record<string, unknown> = {};

  let start = await height(url);
  let until = performance.now() + seconds * 1000;
  const [flood, calm] = await Promise.all([
    flooding(url, "127.0.0.2", until, 32, () => rpcBody("eth_blockNumber")),
    bystander(url, until),
  ]);
  results.flood = { flooder: tally(flood), bystander: tally(calm), blocks: (await height(url)) - start };

  start = await height(url);
  until = performance.now() + seconds * 1000;
  const spinCall = () => rpcBody("eth_call", [{ data: SPIN_INITCODE }]);
  const [spins, calmDuringSpins] = await Promise.all([
    flooding(url, "127.0.0.4", until, 4, spinCall),
    bystander(url, until),
  ]);
  results.spinningCalls = {
    spinner: tally(spins),
    bystander: tally(calmDuringSpins),
    blocks: (await height(url)) - start,
  };

  const nonce = await openNonce(url);
  const claim = { ...CLAIM, nonce: String(nonce), amount: "123456789" };
  const l1Before = await metric(url, 'outrigger_l1_requests_total{call="depositHash"}');
  const l1BlockBefore = values.l1 === undefined ? null : await height(values.l1);
  until = performance.now() + seconds * 1000;
  const [claims, calmDuringClaims] = await Promise.all([
    flooding(url, "127.0.0.5", until, 16, () => rpcBody("outrigger_submitDepositClaim", [claim])),
    bystander(url, until),
  ]);
  results.forgedClaims = {
    nonce,
    claimant: tally(claims),
    bystander: tally(calmDuringClaims),
    l1DepositHashCalls: (await metric(url, 'outrigger_l1_requests_total{call="depositHash"}')) - l1Before,
    // The bound: one call per L1 block seen during the phase, the one it started on included.
    l1Blocks:
      l1BlockBefore === null || values.l1 === undefined
        ? null
        : (await height(values.l1)) - l1BlockBefore + 1,
  };

  const rows: string[][] = [
    ["phase", "client", "sent", "ok", "limited (-32005/429)", "other", "p50 ms", "p99 ms"],
  ];
  for (const [phase, entry] of Object.entries(results)) {
    for (const [client, value] of Object.entries(entry as Record<string, unknown>)) {
      if (typeof value !== "object" || value === null) continue;
      const t = value as Tally;
      rows.push([phase, client, ...[t.sent, t.ok, t.limited, t.other, t.p50Ms, t.p99Ms].map(String)]);
    }
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  "));
  console.log(JSON.stringify(results, null, 2));
}

main().catch((err: unknown) => {
  console.error(`flood: ${errorMessage(err)}`);
  process.exit(1);
});
